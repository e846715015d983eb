import Foundation

/// `POST /v1/predict`: `{"inputs": [example, …]}` or `{"input": example}`, an example being the
/// model's input as numbers — flat, or nested in the input's shape (`[[…], …]` for an image).
/// Every example must hold exactly the model's input size of finite numbers.
public struct PredictRequest: Sendable, Equatable {
    /// The examples, each flattened.
    public var examples: [[Float]]
    /// Whether the request sent one example (`input`): the reply then has one prediction, not a list.
    public var single: Bool

    /// Reads a body for a model whose examples hold `size` numbers, at most `maxExamples` of them.
    public static func read(_ body: Data, size: Int, maxExamples: Int) throws(APIError) -> PredictRequest {
        guard !body.isEmpty else { throw .invalid(nil, "the request has no body; send {\"inputs\": [[…], …]}") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) } catch {
            throw .invalid(nil, "the body is not valid JSON: \((error as NSError).localizedDescription)")
        }
        guard let fields = object as? [String: Any] else { throw .invalid(nil, "the body must be a JSON object with 'inputs' or 'input'") }
        let single: Bool, list: [Any]
        if let one = fields["input"] {
            (single, list) = (true, [one])
        } else if let many = fields["inputs"] as? [Any] {
            (single, list) = (false, many)
        } else {
            throw .invalid(fields["inputs"] == nil ? "inputs" : "inputs", "send 'inputs': a list of examples (or 'input': one example)")
        }
        guard !list.isEmpty else { throw .invalid("inputs", "'inputs' is empty") }
        guard list.count <= maxExamples else { throw .invalid("inputs", "'inputs' holds \(list.count) examples; at most \(maxExamples) per request") }
        var examples: [[Float]] = []
        examples.reserveCapacity(list.count)
        for (i, item) in list.enumerated() {
            let param = single ? "input" : "inputs[\(i)]"
            var values: [Float] = []
            values.reserveCapacity(size)
            try flatten(item, into: &values, limit: size, param: param)
            guard values.count == size else {
                throw .invalid(param, "'\(param)' holds \(values.count) numbers; the model takes \(size) per example")
            }
            examples.append(values)
        }
        return PredictRequest(examples: examples, single: single)
    }

    private static func flatten(_ item: Any, into values: inout [Float], limit: Int, param: String, depth: Int = 0) throws(APIError) {
        guard depth < 8 else { throw .invalid(param, "'\(param)' is nested deeper than any model input") }
        if let number = item as? NSNumber, !(item is Bool) || String(cString: number.objCType) != "c" {
            let value = number.floatValue
            guard value.isFinite else { throw .invalid(param, "'\(param)' holds \(number), not a finite number") }
            guard values.count < limit else { throw .invalid(param, "'\(param)' holds more than \(limit) numbers; the model takes \(limit) per example") }
            values.append(value)
        } else if let list = item as? [Any] {
            for element in list { try flatten(element, into: &values, limit: limit, param: param, depth: depth + 1) }
        } else {
            throw .invalid(param, "'\(param)' must hold numbers (nested lists of numbers for a shaped input)")
        }
    }
}
