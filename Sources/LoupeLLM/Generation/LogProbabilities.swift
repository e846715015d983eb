import Foundation

/// Log-probabilities from one row of logits: a plain softmax over the whole vocabulary, the way
/// llama.cpp reports `n_probs` (no sampler touches them). The sums and the top-k come from
/// ``LogitSummary`` (one SIMD pass in float32 lanes, combined in double: log Σ exp is good to about
/// 1e-5, far inside the reference bounds the runtime is tested against).
public struct LogProbabilities: Sendable {
    /// log Σ exp(logits).
    public let logSumExp: Double
    public let logits: ArraySlice<Float>

    public init(_ logits: ArraySlice<Float>) {
        self.logits = logits
        logSumExp = LogitSummary(logits, top: 0).logSumExp
    }

    /// log p(id).
    public subscript(id: Int) -> Double { Double(logits[logits.startIndex + id]) - logSumExp }

    /// The `k` most likely ids with their log-probabilities, most likely first (ties: lower id first).
    public func top(_ k: Int) -> [(id: Int, logprob: Double)] {
        guard k > 0 else { return [] }
        return LogitSummary(logits, top: k).top.map { ($0.id, self[$0.id]) }
    }
}
