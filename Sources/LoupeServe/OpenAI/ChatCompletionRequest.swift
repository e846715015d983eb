import Foundation
import LoupeLLM

/// `POST /v1/chat/completions`: what a client may send, read and checked as OpenAI's API reads it.
/// Fields Loupe does not implement are refused by name rather than ignored (`n` other than 1,
/// non-zero `presence_penalty`/`frequency_penalty`, tools); unknown fields are ignored, as clients
/// send extras.
public struct ChatCompletionRequest: Decodable, Sendable, Equatable {
    /// One message of the conversation. `content` is a string or an array of `{"type": "text",
    /// "text": …}` parts (joined); other part types (images, audio) are refused.
    public struct Message: Sendable, Equatable {
        public var role: String
        public var content: String
    }

    /// What the tracer records for this request (`"loupe": {"trace": "default" | "full"}`).
    public enum Trace: String, Sendable, Equatable, Decodable { case `default`, full }

    public var model: String
    public var messages: [Message]
    public var stream: Bool
    /// `max_completion_tokens`, or the older `max_tokens`; nil: the server's limit.
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var seed: UInt64?
    /// Up to 4 strings; generation stops before the first that appears.
    public var stop: [String]
    public var logprobs: Bool
    public var topLogprobs: Int
    /// `stream_options.include_usage`: a last chunk with the token counts.
    public var includeUsage: Bool
    public var trace: Trace?

    /// The roles a message may have (`developer` is OpenAI's newer name for `system`).
    public static let roles: Set<String> = ["system", "developer", "user", "assistant"]

    enum Keys: String, CodingKey {
        case model, messages, stream, temperature, seed, stop, logprobs, n, tools, loupe
        case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens", topP = "top_p"
        case topLogprobs = "top_logprobs", presencePenalty = "presence_penalty", frequencyPenalty = "frequency_penalty"
        case streamOptions = "stream_options", role, content, type, text, includeUsage = "include_usage", trace
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        model = try c.decode(String.self, forKey: .model)
        var list = try c.nestedUnkeyedContainer(forKey: .messages)
        var messages: [Message] = []
        while !list.isAtEnd {
            let index = list.currentIndex
            let m = try list.nestedContainer(keyedBy: Keys.self)
            let role = try m.decode(String.self, forKey: .role)
            guard Self.roles.contains(role) else {
                throw APIError.invalid("messages[\(index)].role", "role '\(role)' is not one of system, developer, user, assistant")
            }
            let content: String
            if let text = try? m.decode(String.self, forKey: .content) {
                content = text
            } else if var parts = try? m.nestedUnkeyedContainer(forKey: .content) {
                var texts: [String] = []
                while !parts.isAtEnd {
                    let p = try parts.nestedContainer(keyedBy: Keys.self)
                    let type = try p.decode(String.self, forKey: .type)
                    guard type == "text" else {
                        throw APIError.invalid("messages[\(index)].content", "content parts of type '\(type)' are not supported; this model reads text")
                    }
                    texts.append(try p.decode(String.self, forKey: .text))
                }
                content = texts.joined(separator: "\n")
            } else {
                throw APIError.invalid("messages[\(index)].content", "'messages[\(index)].content' must be a string or an array of text parts")
            }
            messages.append(Message(role: role == "developer" ? "system" : role, content: content))
        }
        guard !messages.isEmpty else { throw APIError.invalid("messages", "'messages' is empty; send at least one message") }
        self.messages = messages
        stream = try c.decodeIfPresent(Bool.self, forKey: .stream) ?? false
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxCompletionTokens) ?? c.decodeIfPresent(Int.self, forKey: .maxTokens)
        if let maxTokens, maxTokens < 1 { throw APIError.invalid("max_tokens", "'max_tokens' is \(maxTokens); it must be at least 1") }
        temperature = try c.decodeIfPresent(Double.self, forKey: .temperature)
        if let t = temperature, !(0...2).contains(t) { throw APIError.invalid("temperature", "'temperature' is \(t); it must be between 0 and 2") }
        topP = try c.decodeIfPresent(Double.self, forKey: .topP)
        if let p = topP, !(p > 0 && p <= 1) { throw APIError.invalid("top_p", "'top_p' is \(p); it must be in (0, 1]") }
        if let s = try c.decodeIfPresent(Int64.self, forKey: .seed) { seed = UInt64(bitPattern: s) } else { seed = nil }
        if let one = try? c.decodeIfPresent(String.self, forKey: .stop) {
            stop = [one]
        } else {
            stop = try c.decodeIfPresent([String].self, forKey: .stop) ?? []
        }
        guard stop.count <= 4 else { throw APIError.invalid("stop", "'stop' has \(stop.count) sequences; at most 4 are allowed") }
        if stop.contains("") { throw APIError.invalid("stop", "'stop' holds an empty string") }
        logprobs = try c.decodeIfPresent(Bool.self, forKey: .logprobs) ?? false
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .topLogprobs) ?? 0
        guard (0...20).contains(topLogprobs) else { throw APIError.invalid("top_logprobs", "'top_logprobs' is \(topLogprobs); it must be 0...20") }
        if topLogprobs > 0 && !logprobs { throw APIError.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true") }
        if let n = try c.decodeIfPresent(Int.self, forKey: .n), n != 1 {
            throw APIError.invalid("n", "'n' is \(n); this server returns one choice per request (n = 1)")
        }
        for key in [Keys.presencePenalty, .frequencyPenalty] {
            if let v = try c.decodeIfPresent(Double.self, forKey: key), v != 0 {
                throw APIError.invalid(key.rawValue, "'\(key.rawValue)' is not supported (only 0)")
            }
        }
        if c.contains(.tools) { throw APIError.invalid("tools", "tools (function calling) are not supported") }
        if let options = try? c.nestedContainer(keyedBy: Keys.self, forKey: .streamOptions) {
            includeUsage = try options.decodeIfPresent(Bool.self, forKey: .includeUsage) ?? false
        } else {
            includeUsage = false
        }
        if let loupe = try? c.nestedContainer(keyedBy: Keys.self, forKey: .loupe), loupe.contains(.trace) {
            guard let value = try? loupe.decode(String.self, forKey: .trace), let trace = Trace(rawValue: value) else {
                throw APIError.invalid("loupe.trace", "'loupe.trace' must be \"default\" or \"full\"")
            }
            self.trace = trace
        } else {
            trace = nil
        }
    }

    /// Reads and checks a request body.
    public static func read(_ body: Data) throws(APIError) -> ChatCompletionRequest {
        try RequestDecoding.decode(ChatCompletionRequest.self, from: body)
    }

    /// The generation this request asks for, within `limit` tokens. Greedy at temperature 0;
    /// otherwise the runtime's sampler with the request's temperature and top-p (and top-k and
    /// min-p off, as OpenAI's API has neither). Without a seed, `fallbackSeed`.
    public func generationOptions(limit: Int, fallbackSeed: UInt64) -> GenerationOptions {
        var options = GenerationOptions()
        options.maxTokens = min(maxTokens ?? limit, limit)
        options.stopStrings = stop
        options.topLogprobs = logprobs ? max(topLogprobs, 1) : 0
        let temperature = self.temperature ?? 1
        if temperature == 0 {
            options.sampling = .greedy
        } else {
            var sampling = SamplingOptions()
            (sampling.temperature, sampling.topP, sampling.topK, sampling.minP) = (temperature, topP ?? 1, 0, 0)
            sampling.seed = seed ?? fallbackSeed
            options.sampling = sampling
        }
        return options
    }
}
