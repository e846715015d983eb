import Foundation
import HTTPTypes
import Hummingbird
import Logging
import LoupeHTTP
import Prometheus
import ServiceLifecycle

/// Serves a trained run: `POST /v1/predict` (micro-batched), `GET /v1/model`, `/health`,
/// `/metrics`. Loopback only unless an API key is set (docs/SERVING.md).
public struct PredictServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8081
        public var apiKey: String?
        public var maxBodyBytes = 8 << 20
        /// Examples one request may send.
        public var maxExamples = 1024
        public var maxBatch = 64
        public var maxWait: Duration = .milliseconds(2)
        public var idleTimeout: Duration = .seconds(60)
        public var drainTimeout: Duration = .seconds(30)

        public init() {}
    }

    public let configuration: Configuration
    public let model: PredictModel
    public let logger: Logger
    let batcher: MicroBatcher
    let metrics: PredictMetrics

    public init(model: PredictModel, configuration: Configuration, logger: Logger) throws(ServeError) {
        try ServeError.check(host: configuration.host, port: configuration.port, apiKey: configuration.apiKey)
        (self.model, self.configuration, self.logger) = (model, configuration, logger)
        batcher = MicroBatcher(maxBatch: configuration.maxBatch, maxWait: configuration.maxWait) { try model.predict($0) }
        metrics = PredictMetrics()
    }

    /// Serves until SIGTERM/SIGINT (finishing the requests it has) or the task is cancelled.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await ServiceRunner.run(application(onServerRunning: onServerRunning), drain: BatcherDrain(batcher: batcher),
                                    host: configuration.host, port: configuration.port, drainTimeout: configuration.drainTimeout, logger: logger)
    }

    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> Application<RouterResponder<LoupeRequestContext>> {
        ServiceRunner.application(router(), host: configuration.host, port: configuration.port, idleTimeout: configuration.idleTimeout,
                                  logger: logger, onServerRunning: onServerRunning)
    }

    func router() -> Router<LoupeRequestContext> {
        let (model, batcher, metrics, configuration) = (model, batcher, metrics, configuration)
        let router = ServiceRunner.router(logger: logger, maxBodyBytes: configuration.maxBodyBytes, apiKey: configuration.apiKey) {
            metrics.request(endpoint: $0, status: $1)
        }
        router.get("/health") { _, _ in LLMServer.json(JSONObject([("status", "ok"), ("model", model.name)])) }
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.registry.emitToString())))
        }
        router.get("/v1/model") { _, _ in LLMServer.json(model.summary()) }
        router.post("/v1/predict") { request, _ -> Response in
            let start = ContinuousClock.now
            let body = try await LLMServer.body(request, limit: configuration.maxBodyBytes)
            let parsed = try PredictRequest.read(body, size: model.exampleSize, maxExamples: configuration.maxExamples)
            let result = try await batcher.predict(parsed.examples)
            metrics.examples.increment(by: Int64(parsed.examples.count))
            metrics.batchSize.record(Double(result.batchSize))
            let elapsed = ContinuousClock.now - start
            metrics.latency.record(elapsed)
            let json = Self.reply(result.outputs, classifier: model.preparation.classes != nil, single: parsed.single,
                                  latency: elapsed / .milliseconds(1), modelMilliseconds: result.modelSeconds * 1000, batchSize: result.batchSize)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        return router
    }

    /// The reply, written directly: `{"predictions": [{"class", "probabilities"}, …], "latency_ms",
    /// "model_ms", "batch_size"}` (`"prediction"` for one `input`; `{"value"}` for a regression).
    /// A number that is not finite (a model that produced NaN) is written as null.
    static func reply(_ outputs: [[Float]], classifier: Bool, single: Bool, latency: Double, modelMilliseconds: Double, batchSize: Int) -> String {
        func number(_ x: Double) -> String { x.isFinite ? "\(x)" : "null" }
        var text = single ? "{\"prediction\":" : "{\"predictions\":["
        for (i, row) in outputs.enumerated() {
            if i > 0 { text += "," }
            if classifier {
                let probabilities = softmax(row)
                let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
                text += "{\"class\":\(best),\"probabilities\":[" + probabilities.map(number).joined(separator: ",") + "]}"
            } else {
                text += "{\"value\":" + (row.count == 1 ? number(Double(row[0])) : "[" + row.map { number(Double($0)) }.joined(separator: ",") + "]") + "}"
            }
        }
        text += single ? "," : "],"
        text += "\"latency_ms\":\(number(latency)),\"model_ms\":\(number(modelMilliseconds)),\"batch_size\":\(batchSize)}"
        return text
    }

    static func softmax(_ row: [Float]) -> [Double] {
        let m = Double(row.max() ?? 0)
        let e = row.map { Foundation.exp(Double($0) - m) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}

/// `/metrics` of a predict server.
final class PredictMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let examples: Counter
    let batchSize: ValueHistogram
    let latency: DurationHistogram
    private let requests: Counter.Family

    init() {
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "loupe", metricName: metric, unitName: unit, helpText: help)
        }
        examples = registry.makeCounter(descriptor: name("predicted_examples", "total", "Examples predicted"))
        batchSize = registry.makeValueHistogram(descriptor: name("predict_batch", "size", "Examples in each batch the model ran"),
                                                buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
        latency = registry.makeDurationHistogram(descriptor: name("predict_latency", "seconds", "From a predict request's body read to its answer"),
                                                 buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1].map { .microseconds(Int($0 * 1_000_000)) })
        requests = Counter.Family(registry: registry)
    }

    func request(endpoint: String, status: Int) { requests.counter(endpoint: endpoint, status: status).increment() }
}

extension Counter {
    /// `loupe_requests_total{endpoint, status}`, one counter per pair, made on first use.
    final class Family: @unchecked Sendable {
        let registry: PrometheusCollectorRegistry
        private let lock = NSLock()
        private var counters: [String: Counter] = [:]

        init(registry: PrometheusCollectorRegistry) { self.registry = registry }

        func counter(endpoint: String, status: Int) -> Counter {
            lock.withLock {
                let key = "\(endpoint) \(status)"
                if let c = counters[key] { return c }
                let c = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "loupe", metricName: "requests", unitName: "total",
                                                                              helpText: "HTTP requests answered, by endpoint and status"),
                                             labels: [("endpoint", endpoint), ("status", String(status))])
                counters[key] = c
                return c
            }
        }
    }
}

/// Stops the batcher when the service group shuts down (after the HTTP server finished its requests).
struct BatcherDrain: Service {
    let batcher: MicroBatcher

    func run() async throws {
        try? await gracefulShutdown()
        batcher.stop()
    }
}
