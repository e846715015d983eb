import Foundation

/// `POST /tokenize` (llama.cpp's server's form): `{"content": "…", "parse_special": true,
/// "with_pieces": false}` → `{"tokens": [ids]}` (or `[{"id", "piece"}]` with pieces).
/// `parse_special` (llama.cpp also calls it `add_special`) reads `<|im_start|>`-style text as the
/// special token it names.
public struct TokenizeRequest: Decodable, Sendable {
    public var content: String
    public var parseSpecial: Bool
    public var withPieces: Bool

    enum Keys: String, CodingKey { case content, parseSpecial = "parse_special", addSpecial = "add_special", withPieces = "with_pieces" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        content = try c.decode(String.self, forKey: .content)
        parseSpecial = try c.decodeIfPresent(Bool.self, forKey: .parseSpecial) ?? c.decodeIfPresent(Bool.self, forKey: .addSpecial) ?? true
        withPieces = try c.decodeIfPresent(Bool.self, forKey: .withPieces) ?? false
    }

    public static func read(_ body: Data) throws(APIError) -> TokenizeRequest { try RequestDecoding.decode(Self.self, from: body) }
}

/// `POST /detokenize`: `{"tokens": [ids]}` → `{"content": "…"}`. At most 1,000,000 ids.
public struct DetokenizeRequest: Decodable, Sendable {
    public var tokens: [Int]

    enum Keys: String, CodingKey { case tokens }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        tokens = try c.decode([Int].self, forKey: .tokens)
        guard tokens.count <= 1_000_000 else { throw APIError.invalid("tokens", "'tokens' holds \(tokens.count) ids; at most 1,000,000") }
    }

    public static func read(_ body: Data) throws(APIError) -> DetokenizeRequest { try RequestDecoding.decode(Self.self, from: body) }
}
