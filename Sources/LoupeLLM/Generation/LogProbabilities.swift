import Foundation

/// Log-probabilities from one row of logits: a plain softmax over the whole vocabulary, the way
/// llama.cpp reports `n_probs` (no sampler touches them).
public struct LogProbabilities: Sendable {
    /// log Σ exp(logits), computed stably in double precision.
    public let logSumExp: Double
    public let logits: ArraySlice<Float>

    public init(_ logits: ArraySlice<Float>) {
        self.logits = logits
        let m = Double(logits.max() ?? 0)
        var sum = 0.0
        for v in logits { sum += Foundation.exp(Double(v) - m) }
        logSumExp = m + Foundation.log(sum)
    }

    /// log p(id).
    public subscript(id: Int) -> Double { Double(logits[logits.startIndex + id]) - logSumExp }

    /// The `k` most likely ids with their log-probabilities, most likely first (ties: lower id first).
    public func top(_ k: Int) -> [(id: Int, logprob: Double)] {
        var best: [(id: Int, logit: Float)] = []
        best.reserveCapacity(k + 1)
        for (i, v) in logits.enumerated() where best.count < k || v > best[best.count - 1].logit {
            let at = best.firstIndex { v > $0.logit } ?? best.count
            best.insert((i, v), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map { ($0.id, Double($0.logit) - logSumExp) }
    }
}
