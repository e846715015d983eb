/// A JSON object of heterogeneous fields, a nil value written as `null`: OpenAI's objects carry
/// `"param": null`, `"logprobs": null`, `"finish_reason": null` rather than leaving the key out,
/// and some clients look for the key. (Foundation's encoder decides the order keys come out in;
/// JSON objects are unordered.)
public struct JSONObject: Encodable {
    let fields: [(key: String, value: (any Encodable)?)]

    public init(_ fields: [(String, (any Encodable)?)]) { self.fields = fields.map { (key: $0.0, value: $0.1) } }

    private struct Key: CodingKey {
        let stringValue: String
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in fields {
            if let value { try container.encode(value, forKey: Key(key)) } else { try container.encodeNil(forKey: Key(key)) }
        }
    }
}
