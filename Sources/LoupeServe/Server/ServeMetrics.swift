import Foundation
import Prometheus

/// What `/metrics` reports, in Prometheus's text format (swift-prometheus): requests by endpoint
/// and status, prompt and generated tokens, time to first token and request durations
/// (histograms), the recent generation rate, the queue's depth and the busy slots.
public final class ServeMetrics: @unchecked Sendable {
    public let registry = PrometheusCollectorRegistry()
    let promptTokens: Counter
    let generatedTokens: Counter
    let timeToFirstToken: DurationHistogram
    let requestDuration: DurationHistogram
    let queueDepth: Gauge
    let busySlots: Gauge
    let slots: Gauge
    let tokensPerSecond: Gauge
    let rejected: Counter
    private let lock = NSLock()
    private let requests: Counter.Family
    private var window = (start: ContinuousClock.now, tokens: 0)

    public init(slots count: Int = 0) {
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "loupe", metricName: metric, unitName: unit, helpText: help)
        }
        promptTokens = registry.makeCounter(descriptor: name("prompt_tokens", "total", "Prompt tokens evaluated"))
        generatedTokens = registry.makeCounter(descriptor: name("generated_tokens", "total", "Tokens generated"))
        let latencies: [Duration] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60].map { .milliseconds(Int($0 * 1000)) }
        timeToFirstToken = registry.makeDurationHistogram(
            descriptor: name("time_to_first_token", "seconds", "From a request's arrival in the engine to its first token"), buckets: latencies)
        requestDuration = registry.makeDurationHistogram(
            descriptor: name("request_duration", "seconds", "From a request's arrival in the engine to its last token"), buckets: latencies)
        queueDepth = registry.makeGauge(descriptor: name("queue", "depth", "Requests waiting for a slot"))
        busySlots = registry.makeGauge(descriptor: name("slots", "busy", "Slots generating"))
        slots = registry.makeGauge(descriptor: name("slots", "", "Slots (--parallel)"))
        tokensPerSecond = registry.makeGauge(descriptor: name("tokens", "per_second", "Tokens generated per second, all slots, over the last few seconds"))
        rejected = registry.makeCounter(descriptor: name("rejected", "total", "Requests refused because the queue was full"))
        requests = Counter.Family(registry: registry)
        slots.set(to: Double(count))
    }

    /// Counts a finished HTTP request.
    public func request(endpoint: String, status: Int) { requests.counter(endpoint: endpoint, status: status).increment() }

    /// Counts generated tokens and refreshes the rate every 2 s (over that window).
    func generated(_ count: Int) {
        generatedTokens.increment(by: Int64(count))
        lock.withLock {
            window.tokens += count
            let elapsed = ContinuousClock.now - window.start
            if elapsed >= .seconds(2) {
                tokensPerSecond.set(to: Double(window.tokens) / (elapsed / .seconds(1)))
                window = (.now, 0)
            }
        }
    }

    /// Sets the rate to 0 once the engine is idle (no stale rate while nothing runs).
    func idle() {
        lock.withLock { window = (.now, 0) }
        tokensPerSecond.set(to: 0)
    }

    /// The text format.
    public func text() -> String { registry.emitToString() }
}
