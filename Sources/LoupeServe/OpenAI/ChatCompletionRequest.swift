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
        // OpenAI requires it; a server with one model does not need it (llama.cpp's neither).
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? ""
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
        let fields = try GenerationFields(c, maxTokensDefault: nil)
        (stream, maxTokens, temperature, topP, seed, stop) = (fields.stream, fields.maxTokens, fields.temperature, fields.topP, fields.seed, fields.stop)
        (includeUsage, trace) = (fields.includeUsage, fields.trace)
        logprobs = try c.decodeIfPresent(Bool.self, forKey: .logprobs) ?? false
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .topLogprobs) ?? 0
        guard (0...20).contains(topLogprobs) else { throw APIError.invalid("top_logprobs", "'top_logprobs' is \(topLogprobs); it must be 0...20") }
        if topLogprobs > 0 && !logprobs { throw APIError.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true") }
        if c.contains(.tools) { throw APIError.invalid("tools", "tools (function calling) are not supported") }
    }

    /// Reads and checks a request body.
    public static func read(_ body: Data) throws(APIError) -> ChatCompletionRequest {
        try RequestDecoding.decode(ChatCompletionRequest.self, from: body)
    }

    /// The generation this request asks for, within `limit` tokens. Greedy at temperature 0;
    /// otherwise the runtime's sampler with the request's temperature and top-p (and top-k and
    /// min-p off, as OpenAI's API has neither). Without a seed, `fallbackSeed`.
    public func generationOptions(limit: Int, fallbackSeed: UInt64) -> GenerationOptions {
        GenerationFields.options(maxTokens: maxTokens, temperature: temperature, topP: topP, seed: seed, stop: stop,
                                 topLogprobs: logprobs ? max(topLogprobs, 1) : 0, limit: limit, fallbackSeed: fallbackSeed)
    }
}
