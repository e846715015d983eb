import Foundation
import HTTPTypes
import Hummingbird
import LoupeHTTP
import LoupeLLM

/// Turns a job's events into an OpenAI response: the whole object, or server-sent event chunks
/// ending in `data: [DONE]`, for the chat (`chat.completion`) or text (`text_completion`) API.
struct Reply: Sendable {
    enum Kind: Sendable { case chat, text }

    /// What the client asked the answer to look like.
    struct Shape: Sendable {
        let kind: Kind
        /// Alternatives per token to report; nil: no logprobs.
        let logprobs: Int?
        let includeUsage: Bool
    }

    let shape: Shape
    let id: String
    let model: String
    let created: Int
    let tokenizer: BPETokenizer
    let traced: Bool
    let tally: RequestTally

    var kind: Kind { shape.kind }
    var logprobs: Int? { shape.logprobs }
    var includeUsage: Bool { shape.includeUsage }

    /// Loupe's field on the last chunk / the whole answer: where the trace is.
    func loupeField(_ traceID: String?) -> JSONObject? {
        guard let traceID else { return nil }
        return JSONObject([("trace_id", traceID), ("trace_url", "/v1/traces/\(traceID)"), ("html_url", "/v1/traces/\(traceID)/html")])
    }

    var headers: HTTPFields {
        var headers = HTTPFields()
        if traced { headers[HTTPField.Name("X-Loupe-Trace-Id")!] = "trace-" + id.split(separator: "-").last.map(String.init)! }
        return headers
    }

    /// Waits for the whole generation (cancelling it if the request's task is cancelled).
    func whole(_ job: GenerationJob) async throws -> Response {
        var tokens: [GeneratedToken] = []
        var text = ""
        var summary: GenerationJob.Summary?
        try await withTaskCancellationHandler {
            for await event in job.events {
                switch event {
                case .token(let token, _):
                    tokens.append(token)
                    text += token.text
                case .finished(let s):
                    summary = s
                case .failed(let error):
                    throw error
                }
            }
        } onCancel: {
            job.cancel()
        }
        guard let summary else { throw APIError(status: 500, message: "the generation ended without a result", type: "server_error") }
        text += summary.tail
        tally.record(generatedTokens: summary.completionTokens)
        let usage = ChatCompletionResponse.Usage(promptTokens: summary.promptTokens, completionTokens: summary.completionTokens)
        let body: Data
        switch kind {
        case .chat:
            let eog = tokenizer.endOfGeneration
            let entries = logprobs.map { top in tokens.filter { !$0.text.isEmpty || !eog.contains($0.id) }
                .map { ChatCompletionResponse.TokenLogprob($0, tokenizer: tokenizer, top: top) } }
            body = ChatCompletionResponse.completion(id: id, created: created, model: model, text: text, reason: summary.stopReason,
                                                     usage: usage, logprobs: entries, loupe: loupeField(summary.traceID))
        case .text:
            let entries = logprobs.map { CompletionResponse.logprobs(tokens, tokenizer: tokenizer, top: $0) }
            body = CompletionResponse.completion(id: id, created: created, model: model, text: text, reason: summary.stopReason,
                                                 usage: usage, logprobs: entries, loupe: loupeField(summary.traceID))
        }
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Streams the generation as server-sent events; a client that leaves cancels it.
    func stream(_ job: GenerationJob) -> Response {
        var headers = ServerSentEvents.headers
        for field in self.headers { headers.append(field) }
        let reply = self
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            do {
                try await withTaskCancellationHandler {
                    try await reply.write(job, to: &writer)
                } onCancel: {
                    job.cancel()
                }
            } catch {
                job.cancel()
                throw error
            }
        })
    }

    private func write(_ job: GenerationJob, to writer: inout any ResponseBodyWriter) async throws {
        if kind == .chat {
            try await writer.write(ServerSentEvents.event(ChatCompletionResponse.chunk(id: id, created: created, model: model, role: true)))
        }
        var count = 0
        for await event in job.events {
            switch event {
            case .token(let token, let insight):
                count += 1
                // An end-of-generation token has no text: it is reported by the finish chunk.
                if token.text.isEmpty && tokenizer.endOfGeneration.contains(token.id) { continue }
                try await writer.write(ServerSentEvents.event(chunk(text: token.text, token: token, insight: insight)))
            case .finished(let summary):
                tally.record(generatedTokens: summary.completionTokens)
                if !summary.tail.isEmpty { try await writer.write(ServerSentEvents.event(chunk(text: summary.tail))) }
                try await writer.write(ServerSentEvents.event(chunk(finish: summary.stopReason, loupe: loupeField(summary.traceID))))
                if includeUsage {
                    let usage = ChatCompletionResponse.Usage(promptTokens: summary.promptTokens, completionTokens: summary.completionTokens)
                    try await writer.write(ServerSentEvents.event(chunk(usage: usage)))
                }
            case .failed(let error):
                tally.record(generatedTokens: count)
                try await writer.write(ServerSentEvents.event(error.body))
            }
        }
        try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
        try await writer.finish(nil)
    }

    private func chunk(text: String? = nil, token: GeneratedToken? = nil, insight: TokenInsight? = nil, finish: StopReason? = nil,
                       usage: ChatCompletionResponse.Usage? = nil, loupe: JSONObject? = nil) -> Data {
        let extra: (any Encodable)? = loupe ?? insight
        switch kind {
        case .chat:
            let logprob = zip(token, logprobs).map { ChatCompletionResponse.TokenLogprob($0, tokenizer: tokenizer, top: $1) }
            return ChatCompletionResponse.chunk(id: id, created: created, model: model, content: text, logprob: logprob, finish: finish,
                                                usage: usage, loupe: extra)
        case .text:
            let entries = zip(token, logprobs).map { CompletionResponse.logprobs([$0], tokenizer: tokenizer, top: $1) }
            return CompletionResponse.chunk(id: id, created: created, model: model, text: text ?? "", logprobs: entries, finish: finish,
                                            usage: usage, loupe: extra)
        }
    }
}

/// Both values, or nil.
private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
