import Foundation
import LoupeCore

/// Latency percentiles of repeated calls, exact (every sample kept and sorted; numpy's linear
/// interpolation between the nearest two).
public struct LatencySummary: Codable, Sendable, Equatable {
    public var samples: Int
    public var meanMs: Double
    public var p50Ms: Double
    public var p95Ms: Double
    public var p99Ms: Double
    public var maxMs: Double

    public init(seconds: [Double]) {
        let ms = seconds.map { $0 * 1000 }.sorted()
        samples = ms.count
        meanMs = ms.isEmpty ? .nan : ms.reduce(0, +) / Double(ms.count)
        p50Ms = ms.isEmpty ? .nan : Bootstrap.percentile(ms, 0.50)
        p95Ms = ms.isEmpty ? .nan : Bootstrap.percentile(ms, 0.95)
        p99Ms = ms.isEmpty ? .nan : Bootstrap.percentile(ms, 0.99)
        maxMs = ms.last ?? .nan
    }
}

/// What serving a model costs: its size, the work of one prediction, how long one takes, how many
/// a second it can make, and the price of a million (docs/EVALUATION.md, "Cost").
public struct InferenceCost: Codable, Sendable, Equatable {
    /// Examples per second at one batch size.
    public struct Throughput: Codable, Sendable, Equatable {
        public var batchSize: Int
        public var examplesPerSecond: Double
    }

    public var parameters: Int
    /// The model's bytes as stored: its tensors in the checkpoint (optimizer state excluded).
    public var sizeOnDiskBytes: Int
    public var flopsPerExample: Double
    /// Bytes read and written per example by the forward pass's ops (``ForwardCost``).
    public var bytesPerExample: Double
    /// The process's peak resident set while predicting (nil where /proc is not readable).
    public var peakMemoryBytes: Int?
    /// One example at a time.
    public var latency: LatencySummary
    public var throughput: [Throughput]
    public var bestBatchSize: Int
    public var bestExamplesPerSecond: Double
    public var threads: Int
    public var pricing: Pricing
    /// At the best batch size, on `threads` cores, at `pricing`.
    public var usdPerMillion: Double
    /// CPU-seconds the training took (user + system), from the run store; nil when not recorded.
    public var trainingCPUSeconds: Double?
    /// Joules per example at the best batch size from the CPU's energy counters; nil: not measured.
    public var joulesPerExample: Double?

    /// The figures a requirement can name (docs/EVALUATION.md lists them).
    public var figures: [String: Double] {
        var figures: [String: Double] = [
            "parameters": Double(parameters), "size_mb": Double(sizeOnDiskBytes) / 1_000_000,
            "flops_per_example": flopsPerExample, "bytes_per_example": bytesPerExample,
            "p50_latency_ms": latency.p50Ms, "p95_latency_ms": latency.p95Ms, "p99_latency_ms": latency.p99Ms,
            "throughput_per_s": bestExamplesPerSecond, "usd_per_million": usdPerMillion,
        ]
        if let peakMemoryBytes { figures["peak_memory_mb"] = Double(peakMemoryBytes) / 1_000_000 }
        if let trainingCPUSeconds { figures["training_cpu_seconds"] = trainingCPUSeconds }
        if let joulesPerExample { figures["joules_per_example"] = joulesPerExample }
        return figures
    }

    /// Measures a model through `predict(start, batchSize)`, which must predict examples
    /// `start ..< start + batchSize` of `examples`.
    ///
    /// - Latency: 5 warm-up calls, then one example at a time (cycling through the examples) for
    ///   about `latencySeconds`, at least 20 and at most 10,000 calls.
    /// - Throughput: batch sizes 1, 4, 16, 64, 256 (those ≤ `examples`), each timed for about
    ///   `throughputSeconds` after one warm-up batch; the best is priced.
    public static func measure(parameters: Int, sizeOnDiskBytes: Int, forward: ForwardCost, forwardExamples: Int, examples: Int,
                               threads: Int, pricing: Pricing, trainingCPUSeconds: Double?,
                               latencySeconds: Double = 2, throughputSeconds: Double = 0.5,
                               predict: (_ start: Int, _ batchSize: Int) throws -> Void) throws -> InferenceCost {
        guard examples > 0 else { throw EvalError.empty(what: "examples to time") }
        let clock = ContinuousClock()
        ProcessUsage.resetPeak()
        for i in 0..<5 { try predict(i % examples, 1) }
        var seconds: [Double] = []
        let latencyStart = clock.now
        while seconds.count < 10_000 && (seconds.count < 20 || (clock.now - latencyStart).seconds < latencySeconds) {
            let start = clock.now
            try predict(seconds.count % examples, 1)
            seconds.append((clock.now - start).seconds)
        }
        var throughput: [Throughput] = []
        let meter = EnergyMeter()
        var joules: [Int: Double] = [:]
        for batch in [1, 4, 16, 64, 256] where batch <= examples {
            try predict(0, batch)
            var done = 0, offset = 0
            let energyStart = meter?.sample()
            let start = clock.now
            repeat {
                if offset + batch > examples { offset = 0 }
                try predict(offset, batch)
                offset += batch
                done += batch
            } while (clock.now - start).seconds < throughputSeconds
            let elapsed = (clock.now - start).seconds
            if let meter, let energyStart { joules[batch] = meter.joules(from: energyStart, to: meter.sample()) / Double(done) }
            throughput.append(Throughput(batchSize: batch, examplesPerSecond: Double(done) / elapsed))
        }
        let best = throughput.max { $0.examplesPerSecond < $1.examplesPerSecond }!
        return InferenceCost(
            parameters: parameters, sizeOnDiskBytes: sizeOnDiskBytes,
            flopsPerExample: Double(forward.flops) / Double(max(1, forwardExamples)),
            bytesPerExample: Double(forward.bytes) / Double(max(1, forwardExamples)),
            peakMemoryBytes: ProcessUsage.peakResidentBytes, latency: LatencySummary(seconds: seconds), throughput: throughput,
            bestBatchSize: best.batchSize, bestExamplesPerSecond: best.examplesPerSecond, threads: threads, pricing: pricing,
            usdPerMillion: pricing.usdPerMillion(secondsPerItem: 1 / best.examplesPerSecond, cores: threads),
            trainingCPUSeconds: trainingCPUSeconds, joulesPerExample: joules[best.batchSize])
    }
}

extension Duration {
    /// This duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
