import Foundation

/// The α–β cost of a ring all-reduce (Patarasuk & Yuan 2009; Thakur, Rabenseifner & Gropp 2005):
/// a reduce-scatter and an all-gather, each p − 1 steps that move n/p bytes, so
///
///     T(n, p) = 2(p − 1)·α + 2·(p − 1)/p · n·β
///
/// with α the latency of one message and β the seconds per byte (1 / bandwidth; the reduction's
/// arithmetic folds into it when fitted). Bandwidth-optimal: for large n the time barely grows
/// with p, which is why data parallelism scales until the latency term or the compute per rank
/// shrinking below the communication ends it.
public struct RingAllReduceModel: Codable, Sendable, Equatable {
    /// α: seconds per message step.
    public var latency: Double
    /// β: seconds per byte.
    public var secondsPerByte: Double

    public init(latency: Double, secondsPerByte: Double) { (self.latency, self.secondsPerByte) = (latency, secondsPerByte) }

    /// A network of `gigabitsPerSecond` with `latency` seconds per message.
    public init(gigabitsPerSecond: Double, latency: Double) {
        self.init(latency: latency, secondsPerByte: 8 / (gigabitsPerSecond * 1e9))
    }

    /// Seconds to all-reduce `bytes` over `ranks` ranks.
    public func seconds(bytes: Double, ranks: Int) -> Double {
        guard ranks > 1 else { return 0 }
        let p = Double(ranks)
        return 2 * (p - 1) * latency + 2 * (p - 1) / p * bytes * secondsPerByte
    }

    /// The model that best fits all-reduce times measured on `ranks` ranks: least squares on the
    /// relative error (each time weighted by 1/t², so 4 KB and 64 MB count alike), with α and β
    /// kept ≥ 0. Nil with fewer than two distinct sizes or a single rank.
    public static func fit(_ samples: [(bytes: Double, seconds: Double)], ranks: Int) -> RingAllReduceModel? {
        guard ranks > 1, Set(samples.map(\.bytes)).count >= 2 else { return nil }
        // t = a + b·n with a = 2(p−1)α and b = 2(p−1)/p·β; weighted normal equations.
        var sw = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for s in samples where s.seconds > 0 {
            let w = 1 / (s.seconds * s.seconds)
            sw += w; sx += w * s.bytes; sy += w * s.seconds; sxx += w * s.bytes * s.bytes; sxy += w * s.bytes * s.seconds
        }
        let det = sw * sxx - sx * sx
        guard det > 0 else { return nil }
        var b = (sw * sxy - sx * sy) / det
        var a = (sy - b * sx) / sw
        if a < 0 { a = 0; b = sxy / sxx }
        if b < 0 { b = 0; a = sy / sw }
        let p = Double(ranks)
        return RingAllReduceModel(latency: a / (2 * (p - 1)), secondsPerByte: b / (2 * (p - 1) / p))
    }

    /// Relative error of the model's time against each measured one (model − measured) / measured.
    public func relativeErrors(_ samples: [(bytes: Double, seconds: Double)], ranks: Int) -> [Double] {
        samples.map { (seconds(bytes: $0.bytes, ranks: ranks) - $0.seconds) / $0.seconds }
    }

    /// A data-parallel step on `nodes` nodes, predicted: the batch's computation divided among
    /// them (the global batch stays the run file's), plus the gradients' all-reduce, of which the
    /// fraction `overlap` hides behind the backward pass.
    public struct StepPrediction: Codable, Sendable, Equatable {
        public let nodes: Int
        public let computeSeconds: Double, communicationSeconds: Double, stepSeconds: Double
        /// One node's step time over this one's.
        public let speedup: Double
        /// speedup / nodes.
        public let efficiency: Double
    }

    /// - Parameters:
    ///   - computeSeconds: one node's compute per step on the whole batch.
    ///   - gradientBytes: the gradients' size (4 bytes per trainable parameter).
    ///   - buckets: all-reduces per step (each pays the latency term).
    public func predictStep(nodes: Int, computeSeconds: Double, gradientBytes: Double, buckets: Int = 1, overlap: Double = 0) -> StepPrediction {
        let compute = computeSeconds / Double(max(nodes, 1))
        let perBucket = gradientBytes / Double(max(buckets, 1))
        let communication = Double(max(buckets, 1)) * seconds(bytes: perBucket, ranks: nodes)
        let exposed = communication * (1 - min(max(overlap, 0), 1))
        let step = compute + exposed
        let speedup = computeSeconds / step
        return StepPrediction(nodes: nodes, computeSeconds: compute, communicationSeconds: communication, stepSeconds: step,
                              speedup: speedup, efficiency: speedup / Double(max(nodes, 1)))
    }
}
