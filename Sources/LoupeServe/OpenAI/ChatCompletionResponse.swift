import Foundation
import LoupeLLM

/// What `POST /v1/chat/completions` answers, as OpenAI's API shapes it: one `chat.completion`
/// object, or with `stream` a series of `chat.completion.chunk` objects sent as server-sent events
/// (`data: {…}\n\n`), ending with `data: [DONE]`.
public enum ChatCompletionResponse {
    /// Why generation ended, in OpenAI's words: `stop` (end of generation or a stop string) or
    /// `length` (`max_tokens`, or the context is full).
    public static func finishReason(_ reason: StopReason) -> String {
        reason == .maxTokens || reason == .contextFull ? "length" : "stop"
    }

    /// Token counts.
    public struct Usage: Encodable, Sendable, Equatable {
        public var promptTokens: Int
        public var completionTokens: Int
        public var totalTokens: Int { promptTokens + completionTokens }

        public init(promptTokens: Int, completionTokens: Int) { (self.promptTokens, self.completionTokens) = (promptTokens, completionTokens) }

        enum CodingKeys: String, CodingKey { case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens" }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(promptTokens, forKey: .promptTokens)
            try c.encode(completionTokens, forKey: .completionTokens)
            try c.encode(totalTokens, forKey: .totalTokens)
        }
    }

    /// One token's log-probability entry (`choices[0].logprobs.content[i]`).
    public struct TokenLogprob: Encodable, Sendable, Equatable {
        public struct Alternative: Encodable, Sendable, Equatable {
            public var token: String
            public var logprob: Double
            public var bytes: [UInt8]
        }

        public var token: String
        public var logprob: Double
        public var bytes: [UInt8]
        public var topLogprobs: [Alternative]

        enum CodingKeys: String, CodingKey { case token, logprob, bytes, topLogprobs = "top_logprobs" }

        /// The entry of `token`, its alternatives cut to `top`.
        public init(_ token: GeneratedToken, tokenizer: BPETokenizer, top: Int) {
            let bytes = tokenizer.bytes(of: token.id)
            self.token = String(decoding: bytes, as: UTF8.self)
            (self.logprob, self.bytes) = (token.logprob, bytes)
            topLogprobs = token.top.prefix(top).map { alternative in
                let b = tokenizer.bytes(of: alternative.id)
                return Alternative(token: String(decoding: b, as: UTF8.self), logprob: alternative.logprob, bytes: b)
            }
        }
    }

    /// The whole answer (`stream` false).
    public static func completion(id: String, created: Int, model: String, text: String, reason: StopReason, usage: Usage,
                                  logprobs: [TokenLogprob]?, loupe: (any Encodable)? = nil) -> Data {
        let logprobs: JSONObject? = logprobs.map { JSONObject([("content", $0)]) }
        let choice = JSONObject([("index", 0), ("message", JSONObject([("role", "assistant"), ("content", text)])),
                                 ("logprobs", logprobs), ("finish_reason", finishReason(reason))])
        return encode(JSONObject([("id", id), ("object", "chat.completion"), ("created", created), ("model", model),
                                  ("choices", [choice]), ("usage", usage)] + (loupe.map { [("loupe", $0)] } ?? [])))
    }

    /// One streamed chunk: the role first (`role` set, empty content), then a piece of text per
    /// token, then the finish reason with an empty delta; with `usage`, the final usage chunk
    /// (empty choices), as `stream_options.include_usage` asks.
    /// `loupe` adds Loupe's own field (the token's rank, entropy and alternatives; the trace's id).
    public static func chunk(id: String, created: Int, model: String, role: Bool = false, content: String? = nil,
                             logprob: TokenLogprob? = nil, finish: StopReason? = nil, usage: Usage? = nil, loupe: (any Encodable)? = nil) -> Data {
        var choices: [JSONObject] = []
        if usage == nil {
            let delta = role ? JSONObject([("role", "assistant"), ("content", "")]) : JSONObject(content.map { [("content", $0)] } ?? [])
            choices = [JSONObject([("index", 0), ("delta", delta), ("logprobs", logprob.map { JSONObject([("content", [$0])]) }),
                                   ("finish_reason", finish.map(finishReason))])]
        }
        var fields: [(String, (any Encodable)?)] = [("id", id), ("object", "chat.completion.chunk"), ("created", created), ("model", model),
                                                     ("choices", choices)]
        if let usage { fields.append(("usage", usage)) }
        if let loupe { fields.append(("loupe", loupe)) }
        return encode(JSONObject(fields))
    }

    /// `data: <json>\n\n`, one server-sent event.
    public static func event(_ json: Data) -> Data { Data("data: ".utf8) + json + Data("\n\n".utf8) }

    /// The end of a stream.
    public static let done = Data("data: [DONE]\n\n".utf8)

    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
