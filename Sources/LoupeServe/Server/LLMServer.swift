import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LoupeHTTP
import LoupeLLM
import LoupeReport
import LoupeTrace
import NIOCore
import ServiceLifecycle

/// An OpenAI-compatible server over a GGUF language model (docs/SERVING.md).
///
/// Routes: `POST /v1/chat/completions` and `/v1/completions` (streamed as server-sent events or
/// whole), `GET /v1/models`, `GET /health` (503 while the model loads), `GET /metrics`
/// (Prometheus), `POST /tokenize` and `/detokenize`, `GET /v1/traces` (the traced requests),
/// `/v1/traces/{id}` (the tracer's JSON) and `/v1/traces/{id}/html` (its page).
///
/// Requests run in a ``GenerationEngine``'s slots. Loopback only unless an API key is set; the
/// body size, prompt length, `max_tokens`, request time and idle connections are bounded; SIGTERM
/// stops accepting, finishes what is running (within `drainTimeout`) and returns.
public struct LLMServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (``run(load:onServerRunning:)`` reports it).
        public var port = 8080
        /// The key every request but `/health` must carry as `Authorization: Bearer KEY`; required
        /// off loopback.
        public var apiKey: String?
        /// Request bodies over this are refused with 413 before they are read whole.
        public var maxBodyBytes = 1 << 20
        /// The longest prompt accepted (tokens), within the slot's context.
        public var maxPromptTokens: Int?
        /// The most tokens one request may generate (a larger `max_tokens` is cut to it).
        public var maxTokensLimit = 2048
        /// How long a request may take, waiting for a slot included; then it ends ("length").
        public var requestTimeout: Duration = .seconds(300)
        /// Connections idle this long are closed.
        public var idleTimeout: Duration = .seconds(60)
        /// How long SIGTERM waits for running requests before cancelling them.
        public var drainTimeout: Duration = .seconds(30)
        /// Traces kept for `GET /v1/traces/{id}`.
        public var tracesKept = 64

        public init() {}
    }

    public let configuration: Configuration
    public let logger: Logger
    /// `/metrics`: exists before the model does (it answers while loading); the engine writes to it.
    public let metrics = ServeMetrics()
    let phase = ServerPhase()

    /// - Throws: ``APIError``-free configuration problems as ``ServeError``.
    public init(configuration: Configuration, logger: Logger) throws(ServeError) {
        try ServeError.check(host: configuration.host, port: configuration.port, apiKey: configuration.apiKey)
        (self.configuration, self.logger) = (configuration, logger)
    }

    /// Listens at once (`/health` answers 503), loads the model with `load` off the event loops
    /// (it makes the engine with this server's ``metrics``), then serves until SIGTERM/SIGINT or
    /// the task is cancelled.
    public func run(load: @escaping @Sendable (ServeMetrics) throws -> LoadedLLM,
                    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let (phase, logger, metrics) = (phase, logger, metrics)
        let loader = Task.detached {
            do {
                let llm = try load(metrics)
                llm.engine.start()
                phase.set(.ready(llm))
                logger.info("model loaded: \(llm.modelName), \(llm.engine.configuration.slots) slots of \(llm.engine.contextLength) tokens")
            } catch {
                phase.set(.failed("\(error)"))
                logger.error("the model failed to load: \(error)")
            }
        }
        defer { loader.cancel() }
        try await ServiceRunner.run(application(onServerRunning: onServerRunning),
                                    drain: EngineDrain(phase: phase, deadline: configuration.drainTimeout, logger: logger),
                                    host: configuration.host, port: configuration.port, drainTimeout: configuration.drainTimeout, logger: logger)
    }

    /// Sets the loaded model directly (tests; ``run(load:onServerRunning:)`` does it itself).
    public func ready(_ llm: LoadedLLM) {
        llm.engine.start()
        phase.set(.ready(llm))
    }

    /// The Hummingbird application.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> Application<RouterResponder<LoupeRequestContext>> {
        ServiceRunner.application(router(), host: configuration.host, port: configuration.port, idleTimeout: configuration.idleTimeout,
                                  logger: logger, onServerRunning: onServerRunning)
    }

    // MARK: Routes

    func router() -> Router<LoupeRequestContext> {
        let metrics = self.metrics
        let router = ServiceRunner.router(logger: logger, maxBodyBytes: configuration.maxBodyBytes, apiKey: configuration.apiKey) {
            metrics.request(endpoint: $0, status: $1)
        }
        let (phase, configuration) = (phase, configuration)

        router.get("/health") { _, _ -> Response in
            switch phase.current {
            case .ready(let llm):
                let (queued, busy) = llm.engine.load
                return Self.json(JSONObject([("status", "ok"), ("model", llm.modelName), ("slots", llm.engine.configuration.slots),
                                             ("slots_busy", busy), ("queued", queued)]))
            case .loading:
                var response = Self.json(JSONObject([("status", "loading")]), status: .serviceUnavailable)
                response.headers[.retryAfter] = "1"
                return response
            case .failed(let reason):
                return Self.json(JSONObject([("status", "failed"), ("reason", reason)]), status: .internalServerError)
            }
        }
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.text())))
        }
        router.get("/v1/models") { _, _ -> Response in
            let llm = try phase.loaded()
            let model = JSONObject([("id", llm.modelName), ("object", "model"), ("created", llm.created), ("owned_by", "loupe")])
            return Self.json(JSONObject([("object", "list"), ("data", [model])]))
        }
        router.post("/v1/chat/completions") { request, context -> Response in
            let body = try await Self.body(request, limit: configuration.maxBodyBytes)
            let chat = try ChatCompletionRequest.read(body)
            let llm = try phase.loaded()
            let prompt = llm.template.tokens(for: chat.messages.map { ChatMessage(role: $0.role, content: $0.content) }, tokenizer: llm.tokenizer)
            let shape = Reply.Shape(kind: .chat, logprobs: chat.logprobs ? max(chat.topLogprobs, 0) : nil, includeUsage: chat.includeUsage)
            return try await Self.generate(prompt: prompt, llm: llm, configuration: configuration, request: request, body: body,
                                           trace: chat.trace, stream: chat.stream, shape: shape, context: context) {
                chat.generationOptions(limit: $0, fallbackSeed: UInt64.random(in: 0...UInt64.max))
            }
        }
        router.post("/v1/completions") { request, context -> Response in
            let body = try await Self.body(request, limit: configuration.maxBodyBytes)
            let completion = try CompletionRequest.read(body)
            let llm = try phase.loaded()
            let prompt = llm.tokenizer.encode(completion.prompt, parseSpecial: true)
            let shape = Reply.Shape(kind: .text, logprobs: completion.logprobs, includeUsage: completion.includeUsage)
            return try await Self.generate(prompt: prompt, llm: llm, configuration: configuration, request: request, body: body,
                                           trace: completion.trace, stream: completion.stream, shape: shape, context: context) {
                completion.generationOptions(limit: $0, fallbackSeed: UInt64.random(in: 0...UInt64.max))
            }
        }
        router.post("/tokenize") { request, _ -> Response in
            let body = try await Self.body(request, limit: configuration.maxBodyBytes)
            let tokenize = try TokenizeRequest.read(body)
            let llm = try phase.loaded()
            let tokens = llm.tokenizer.encode(tokenize.content, parseSpecial: tokenize.parseSpecial)
            guard !tokenize.withPieces else {
                return Self.json(JSONObject([("tokens", tokens.map { JSONObject([("id", $0), ("piece", llm.tokenizer.displayPiece($0))]) })]))
            }
            return Self.json(JSONObject([("tokens", tokens)]))
        }
        router.post("/detokenize") { request, _ -> Response in
            let body = try await Self.body(request, limit: configuration.maxBodyBytes)
            let detokenize = try DetokenizeRequest.read(body)
            let llm = try phase.loaded()
            let vocabulary = llm.engine.model.config.vocabulary
            if let bad = detokenize.tokens.firstIndex(where: { !(0..<vocabulary).contains($0) }) {
                throw APIError.invalid("tokens[\(bad)]", "token id \(detokenize.tokens[bad]) is outside the vocabulary (0..<\(vocabulary))")
            }
            return Self.json(JSONObject([("content", llm.tokenizer.decode(detokenize.tokens))]))
        }
        router.get("/v1/traces") { _, _ -> Response in
            let llm = try phase.loaded()
            let list = llm.engine.traces.all.map { entry in
                JSONObject([("id", entry.id), ("created", Int(entry.created.timeIntervalSince1970)), ("prompt_tokens", entry.trace.promptTokens.count),
                            ("cycles", entry.trace.cycles.count), ("trace_url", "/v1/traces/\(entry.id)"), ("html_url", "/v1/traces/\(entry.id)/html")])
            }
            return Self.json(JSONObject([("object", "list"), ("data", list)]))
        }
        router.get("/v1/traces/:id") { _, context -> Response in
            let entry = try Self.trace(context, phase)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try LoupeJSON.encoder().encode(entry.trace))))
        }
        router.get("/v1/traces/:id/html") { _, context -> Response in
            let entry = try Self.trace(context, phase)
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            let page = TraceHTML.render(entry.trace, tokenTexts: entry.tokenTexts, title: "Loupe trace \(entry.id)")
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        return router
    }

    // MARK: Helpers

    /// Runs `prompt` in the engine — checked against the context, traced as the body or the
    /// `X-Loupe-Trace` header asks, queued (503 when full) — and answers as `shape` says, streamed
    /// or whole. `options` makes the generation options for at most the given number of tokens.
    static func generate(prompt: [Int], llm: LoadedLLM, configuration: Configuration, request: Request, body: Data,
                         trace: ChatCompletionRequest.Trace?, stream: Bool, shape: Reply.Shape, context: LoupeRequestContext,
                         options: (Int) -> GenerationOptions) async throws -> Response {
        let limit = try generationLimit(prompt: prompt.count, llm: llm, configuration: configuration,
                                        param: shape.kind == .chat ? "messages" : "prompt")
        let trace = trace ?? traceHeader(request)
        let job = GenerationJob(id: newID(), prompt: prompt, options: options(limit), trace: trace.map(capture),
                                insight: trace != nil || wantsInsight(body), timeout: configuration.requestTimeout)
        try llm.engine.submit(job)
        context.tally.record(promptTokens: prompt.count)
        let reply = Reply(shape: shape, id: (shape.kind == .chat ? "chatcmpl-" : "cmpl-") + job.id, model: llm.modelName,
                          created: Int(Date().timeIntervalSince1970), tokenizer: llm.tokenizer, traced: trace != nil, tally: context.tally)
        return stream ? reply.stream(job) : try await reply.whole(job)
    }

    /// The body, read up to `limit` bytes (past that: 413 without reading the rest).
    static func body(_ request: Request, limit: Int) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw HTTPError(.contentTooLarge)
        }
        var buffer = try await request.body.collect(upTo: limit)
        return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    /// How many tokens a request with a `prompt`-token prompt may generate.
    static func generationLimit(prompt: Int, llm: LoadedLLM, configuration: Configuration, param: String) throws(APIError) -> Int {
        let context = llm.engine.contextLength
        let maxPrompt = min(configuration.maxPromptTokens ?? context - 1, context - 1)
        guard prompt <= maxPrompt else {
            throw APIError.invalid(param, "the prompt is \(prompt) tokens; this server takes at most \(maxPrompt) (a slot holds \(context) tokens with the reply)",
                                   code: "context_length_exceeded")
        }
        return min(configuration.maxTokensLimit, context - prompt)
    }

    static func traceHeader(_ request: Request) -> ChatCompletionRequest.Trace? {
        request.headers[HTTPField.Name("X-Loupe-Trace")!].flatMap { ChatCompletionRequest.Trace(rawValue: $0.lowercased()) }
    }

    static func capture(_ trace: ChatCompletionRequest.Trace) -> TraceCapture { trace == .full ? .full : TraceCapture() }

    /// `"loupe": {"insight": true}`: each streamed token's rank, entropy and alternatives, without a trace.
    static func wantsInsight(_ body: Data) -> Bool {
        struct Probe: Decodable {
            struct Loupe: Decodable { var insight: Bool? }
            var loupe: Loupe?
        }
        return (try? JSONDecoder().decode(Probe.self, from: body))?.loupe?.insight == true
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }

    static func trace(_ context: LoupeRequestContext, _ phase: ServerPhase) throws -> TraceArchive.Entry {
        let id = context.parameters.get("id") ?? ""
        guard let entry = try phase.loaded().engine.traces.entry(id) else {
            throw APIError(status: 404, message: "no trace '\(id)': traces are kept for the last requests that asked for one (GET /v1/traces lists them)",
                           type: "not_found_error")
        }
        return entry
    }

    static func json(_ object: JSONObject, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: ChatCompletionResponse.encode(object))))
    }
}

/// Drains the engine when the service group shuts down gracefully: it runs last (after the HTTP
/// server stopped accepting and answered what it had), so queued and running jobs finish first.
struct EngineDrain: Service {
    let phase: ServerPhase
    let deadline: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        guard case .ready(let llm) = phase.current else { return }
        let (queued, busy) = llm.engine.load
        logger.info("stopping: \(busy) running and \(queued) queued requests finish first (at most \(deadline))")
        await llm.engine.drain(deadline: deadline)
        logger.info("stopped")
    }
}
