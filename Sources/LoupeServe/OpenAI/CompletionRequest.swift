import Foundation
import LoupeLLM

/// `POST /v1/completions`, OpenAI's legacy text completion: a raw `prompt` continued without a
/// chat template. `prompt` is a string (or an array holding one); `max_tokens` defaults to 16 as
/// in OpenAI's API; `logprobs` is the number of alternatives (0–5); `echo` and `suffix` are refused.
public struct CompletionRequest: Decodable, Sendable, Equatable {
    public var model: String
    public var prompt: String
    public var stream: Bool
    public var maxTokens: Int
    public var temperature: Double?
    public var topP: Double?
    public var seed: UInt64?
    public var stop: [String]
    /// Alternatives per token with their log-probabilities; nil: no logprobs.
    public var logprobs: Int?
    public var includeUsage: Bool
    public var trace: ChatCompletionRequest.Trace?

    enum Keys: String, CodingKey { case prompt, echo, suffix, logprobs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: ChatCompletionRequest.Keys.self)
        let own = try decoder.container(keyedBy: Keys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? ""
        if let text = try? own.decode(String.self, forKey: .prompt) {
            prompt = text
        } else if let list = try? own.decode([String].self, forKey: .prompt) {
            guard list.count == 1 else { throw APIError.invalid("prompt", "'prompt' holds \(list.count) prompts; send one per request") }
            prompt = list[0]
        } else if own.contains(.prompt) {
            throw APIError.invalid("prompt", "'prompt' must be a string")
        } else {
            throw APIError.invalid("prompt", "missing required parameter 'prompt'")
        }
        guard !prompt.isEmpty else { throw APIError.invalid("prompt", "'prompt' is empty") }
        let fields = try GenerationFields(c, maxTokensDefault: 16)
        (stream, temperature, topP, seed, stop) = (fields.stream, fields.temperature, fields.topP, fields.seed, fields.stop)
        (includeUsage, trace, maxTokens) = (fields.includeUsage, fields.trace, fields.maxTokens ?? 16)
        logprobs = try own.decodeIfPresent(Int.self, forKey: .logprobs)
        if let n = logprobs, !(0...5).contains(n) { throw APIError.invalid("logprobs", "'logprobs' is \(n); it must be 0...5") }
        if try own.decodeIfPresent(Bool.self, forKey: .echo) == true { throw APIError.invalid("echo", "'echo' is not supported") }
        if let suffix = try own.decodeIfPresent(String.self, forKey: .suffix), !suffix.isEmpty {
            throw APIError.invalid("suffix", "'suffix' (fill in the middle) is not supported")
        }
    }

    /// Reads and checks a request body.
    public static func read(_ body: Data) throws(APIError) -> CompletionRequest {
        try RequestDecoding.decode(CompletionRequest.self, from: body)
    }

    /// The generation this request asks for, within `limit` tokens (see ``ChatCompletionRequest/generationOptions(limit:fallbackSeed:)``).
    public func generationOptions(limit: Int, fallbackSeed: UInt64) -> GenerationOptions {
        GenerationFields.options(maxTokens: maxTokens, temperature: temperature, topP: topP, seed: seed, stop: stop,
                                 topLogprobs: logprobs.map { max($0, 1) } ?? 0, limit: limit, fallbackSeed: fallbackSeed)
    }
}
