import LoupeCore

/// The forward hook behind the monitor's activation statistics: accumulates, per activation op
/// and module path, the statistics of one training step, and spots a softmax whose output feeds
/// the loss's log-softmax.
final class ActivationRecorder {
    static let reluLike: Set<String> = ["relu", "leaky_relu"]
    static let saturating: Set<String> = ["sigmoid", "tanh"]
    static let watched: Set<String> = reluLike.union(saturating).union(["gelu", "gelu_tanh", "silu"])
    /// |pre-activation| at which sigmoid and tanh are saturated (gradient < 1% of its peak).
    static let saturationThreshold = 5.0

    var recording = false
    /// Whether this step's flush keeps a histogram (the first, then every 5th sampled step).
    var keepingHistogram: Bool { flushes % 5 == 0 }
    var watchingSoftmax = false
    private(set) var softmaxIntoLoss = false
    private(set) var softmaxPath: String?

    private struct Accumulator {
        var path: String, op: String
        var output = TensorStatistics()
        var saturated = 0, preActivations = 0
        var units: [Bool] = []   // seen non-zero, per unit
        var sample: [Float] = []
    }
    private var current: [String: Accumulator] = [:]
    private var order: [String] = []
    private var lastSoftmaxStorage: ObjectIdentifier?
    private var lastSoftmaxPath: String?
    private var flushes = 0

    func observe(_ e: ForwardEvent) {
        if watchingSoftmax { watchSoftmax(e) }
        guard recording, Self.watched.contains(e.op), e.output.dtype == .float32 else { return }
        let path = e.modulePath ?? "(no module)"
        let key = path + "\u{1}" + e.op
        if current[key] == nil { current[key] = Accumulator(path: path, op: e.op); order.append(key) }
        current[key]!.output.merge(e.output.statistics())
        if Self.saturating.contains(e.op), let x = e.inputs.first {
            let s = x.statistics(saturationThreshold: Self.saturationThreshold)
            current[key]!.saturated += s.saturated
            current[key]!.preActivations += s.total
        }
        if Self.reluLike.contains(e.op) { Self.markAliveUnits(e.output, &current[key]!.units) }
        if keepingHistogram, current[key]!.sample.count < 20_000 {
            try? e.output.withContiguousFloats { v in
                let stride = max(1, v.count / 20_000)
                current[key]!.sample += Swift.stride(from: 0, to: v.count, by: stride).lazy.map { v[$0] }.filter(\.isFinite)
            }
        }
    }

    private func watchSoftmax(_ e: ForwardEvent) {
        if e.op == "softmax" {
            lastSoftmaxStorage = ObjectIdentifier(e.output.storage)
            lastSoftmaxPath = e.modulePath
        } else if e.op == "log_softmax", let x = e.inputs.first, ObjectIdentifier(x.storage) == lastSoftmaxStorage {
            softmaxIntoLoss = true
            softmaxPath = lastSoftmaxPath
        }
    }

    /// Units are the last axis, or the channel axis of [N, C, H, W] maps. A unit is alive once one
    /// of its outputs is non-zero: the scan of a unit stops at its first non-zero value, and the
    /// scan of the batch stops once every unit is alive, so a healthy layer costs a few rows.
    private static func markAliveUnits(_ output: Tensor, _ alive: inout [Bool]) {
        let shape = output.shape
        guard shape.count >= 2, output.dtype == .float32 else { return }
        let channels = shape.count == 4 ? shape[1] : shape[shape.count - 1]
        let inner = shape.count == 4 ? shape[2] * shape[3] : 1
        if alive.isEmpty { alive = [Bool](repeating: false, count: channels) }
        guard alive.count == channels else { return }
        var remaining = alive.filter { !$0 }.count
        guard remaining > 0 else { return }
        try? output.withContiguousFloats { v in
            let rows = v.count / (channels * inner)
            for row in 0..<rows where remaining > 0 {
                for unit in 0..<channels where !alive[unit] {
                    let start = (row * channels + unit) * inner
                    if v[start..<(start + inner)].contains(where: { $0 != 0 }) {
                        alive[unit] = true
                        remaining -= 1
                    }
                }
            }
        }
    }

    /// Writes the step's accumulated statistics into column `column` of the telemetry.
    func flush(into telemetry: inout Telemetry, column: Int, step: Int, histogramBins: Int) {
        defer { current.removeAll(keepingCapacity: true); order.removeAll(keepingCapacity: true); flushes += 1 }
        let keepHistogram = keepingHistogram
        for key in order {
            guard let a = current[key] else { continue }
            let i = telemetry.layerIndex(a.path, kind: .activation, op: a.op)
            HealthMonitor.pad(&telemetry.layers[i], to: column)
            let s = a.output
            telemetry.layers[i].mean.append(Float(s.mean))
            telemetry.layers[i].std.append(Float(s.standardDeviation))
            telemetry.layers[i].min.append(s.count > 0 ? Float(s.min) : .nan)
            telemetry.layers[i].max.append(s.count > 0 ? Float(s.max) : .nan)
            telemetry.layers[i].zeroFraction.append(s.total > 0 ? Float(s.zeros) / Float(s.total) : .nan)
            telemetry.layers[i].saturatedFraction.append(a.preActivations > 0 ? Float(a.saturated) / Float(a.preActivations) : .nan)
            telemetry.layers[i].deadUnitFraction.append(a.units.isEmpty ? .nan : Float(a.units.filter { !$0 }.count) / Float(a.units.count))
            if keepHistogram, let h = ValueHistogram(a.sample, bins: histogramBins) {
                let histogram = ActivationHistogram(path: a.path, op: a.op, step: step, lower: h.lower, upper: h.upper, counts: h.counts)
                // Keep the first and the latest histogram of each layer.
                let existing = telemetry.histograms.indices.filter { telemetry.histograms[$0].path == a.path && telemetry.histograms[$0].op == a.op }
                if existing.count >= 2 { telemetry.histograms[existing[1]] = histogram } else { telemetry.histograms.append(histogram) }
            }
        }
    }
}
