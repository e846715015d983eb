import Foundation
import LoupeCore

/// A distribution's summary from its logits in one pass: the top-k ids with log-probabilities, the
/// entropy and log Σ exp. Rows can arrive in chunks (``add(_:count:offset:)``): the running max,
/// Σ e^(x−m) and Σ e^(x−m)(x−m) are rescaled when a chunk raises the max (online softmax), so a
/// vocabulary-wide row never has to exist at once. Exponentials run 16 lanes at a time.
public struct LogitSummary: Sendable {
    public let k: Int
    private var maximum = -Float.infinity
    private var sum = 0.0          // Σ e^(x−max)
    private var weighted = 0.0     // Σ e^(x−max)·(x−max)
    private var best: [(id: Int, logit: Float)] = []

    public init(top k: Int) {
        self.k = max(0, k)
        best.reserveCapacity(self.k + 1)
    }

    /// Summarizes one whole row.
    public init(_ logits: ArraySlice<Float>, top k: Int) {
        self.init(top: k)
        logits.withUnsafeBufferPointer { if let base = $0.baseAddress { add(base, count: $0.count, offset: 0) } }
    }

    /// log Σ exp(logits).
    public var logSumExp: Double { Double(maximum) + Foundation.log(sum) }
    /// −Σ p log p, nats (NaN when no logit was finite: there is no distribution).
    public var entropy: Double { Foundation.log(sum) - weighted / sum }
    /// The `k` most likely ids, most likely first (ties: lower id first), with log-probabilities.
    public var top: [(id: Int, logprob: Double)] {
        let lse = logSumExp
        return best.map { ($0.id, Double($0.logit) - lse) }
    }

    /// Adds logits of ids offset ..< offset+count.
    public mutating func add(_ x: UnsafePointer<Float>, count: Int, offset: Int) {
        guard count > 0 else { return }
        typealias V = SIMD16<Float>
        let vectors = count / 16
        var vmax = V(repeating: -.infinity)
        x.withMemoryRebound(to: V.self, capacity: vectors) { v in
            // .replacing(with:where:) compiles to vmaxps; pointwiseMax would not (PERFORMANCE-NOTES).
            for i in 0..<vectors { vmax = vmax.replacing(with: v[i], where: v[i] .> vmax) }
        }
        var chunkMax = vmax.max()
        for i in (vectors * 16)..<count { chunkMax = Swift.max(chunkMax, x[i]) }
        guard chunkMax > -.infinity else { return }
        // Σ e^(x−m) and Σ e^(x−m)(x−m) of the chunk against its own max.
        var vs = V(), vt = V()
        let m = V(repeating: chunkMax)
        x.withMemoryRebound(to: V.self, capacity: vectors) { v in
            for i in 0..<vectors {
                let d = v[i] - m
                let e = Float.vexp(d)
                vs += e
                // Masked logits (−inf) have e = 0; 0 · −inf would poison the sum.
                vt = vt.addingProduct(e, d.replacing(with: 0, where: e .== 0))
            }
        }
        var chunkSum = Double(vs.sum()), chunkWeighted = Double(vt.sum())
        for i in (vectors * 16)..<count {
            let d = Double(x[i] - chunkMax), e = Foundation.exp(d)
            chunkSum += e
            if e > 0 { chunkWeighted += e * d }
        }
        // Bring both sums to the larger max: Σ e^(x−M)(x−M) = f·(Σ e^(x−m)(x−m) + (m−M)·Σ e^(x−m)), f = e^(m−M).
        if maximum == -.infinity {
            (maximum, sum, weighted) = (chunkMax, chunkSum, chunkWeighted)
        } else if chunkMax > maximum {
            let shift = Double(maximum) - Double(chunkMax), f = Foundation.exp(shift)
            weighted = f * (weighted + shift * sum) + chunkWeighted
            sum = f * sum + chunkSum
            maximum = chunkMax
        } else {
            let shift = Double(chunkMax) - Double(maximum), f = Foundation.exp(shift)
            weighted += f * (chunkWeighted + shift * chunkSum)
            sum += f * chunkSum
        }
        guard k > 0 else { return }
        var threshold = best.count < k ? -Float.infinity : best[best.count - 1].logit
        func consider(_ i: Int) {
            guard x[i] > threshold else { return }
            let at = best.firstIndex { x[i] > $0.logit } ?? best.count
            best.insert((offset + i, x[i]), at: at)
            if best.count > k { best.removeLast() }
            if best.count == k { threshold = best[k - 1].logit }
        }
        // Whole vectors below the k-th best are skipped with one compare.
        x.withMemoryRebound(to: V.self, capacity: vectors) { v in
            for b in 0..<vectors where any(v[b] .> V(repeating: threshold)) {
                for i in (b * 16)..<(b * 16 + 16) { consider(i) }
            }
        }
        for i in (vectors * 16)..<count { consider(i) }
    }
}
