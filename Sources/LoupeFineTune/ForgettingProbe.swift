import Foundation
import LoupeCore
import LoupeLLM

/// How far fine-tuning has moved a model on text it should still know (the base model's own kind
/// of text, e.g. the built-in Shakespeare): the perplexity of the adapted network on `tokens`
/// against the frozen base's, and the mean KL divergence KL(base ‖ adapted) of their next-token
/// distributions. The base's distributions are computed once, with the adapters off.
public struct ForgettingProbe {
    /// The probe's text as token ids (at least 2).
    public let tokens: [Int]
    /// log p_base [T − 1, vocab] of each next token.
    let baseLogProbabilities: [Float]
    let vocabulary: Int
    /// The base model's perplexity on the probe.
    public let basePerplexity: Double

    /// One reading of the probe.
    public struct Reading: Equatable, Sendable {
        public let perplexity: Double
        public let basePerplexity: Double
        /// Mean over positions of KL(base ‖ adapted), in nats.
        public let meanKL: Double
        /// perplexity / basePerplexity − 1: how much worse the text has become to the model.
        public var perplexityIncrease: Double { perplexity / basePerplexity - 1 }
    }

    public init(network: LlamaNetwork, tokens: [Int]) throws {
        guard tokens.count >= 2 else { throw FineTuneError("a forgetting probe needs at least 2 tokens of text, got \(tokens.count)") }
        self.tokens = tokens
        vocabulary = network.config.vocabulary
        baseLogProbabilities = try network.withoutAdapters { try Self.logProbabilities(network, tokens) }
        basePerplexity = Self.perplexity(baseLogProbabilities, tokens, vocabulary)
    }

    /// The network's perplexity and divergence from the base now.
    public func measure(_ network: LlamaNetwork) throws -> Reading {
        let mine = try Self.logProbabilities(network, tokens)
        let rows = tokens.count - 1, v = vocabulary
        var kl = 0.0
        for r in 0..<rows {
            var row = 0.0
            for j in 0..<v {
                let lb = Double(baseLogProbabilities[r * v + j])
                row += exp(lb) * (lb - Double(mine[r * v + j]))
            }
            kl += max(row, 0)   // ≥ 0 in exact arithmetic; rounding can leave −1e-9
        }
        return Reading(perplexity: Self.perplexity(mine, tokens, v), basePerplexity: basePerplexity, meanKL: kl / Double(rows))
    }

    /// log-softmax of the logits at positions 0..<T−1 (each predicting the next token), no graph.
    static func logProbabilities(_ network: LlamaNetwork, _ tokens: [Int]) throws -> [Float] {
        try GradMode.withoutGrad {
            let wasTraining = network.isTraining
            network.eval()
            defer { network.train(wasTraining) }
            return try network.logits(Array(tokens.dropLast())).logSoftmax(axis: 1).floats()
        }
    }

    static func perplexity(_ logProbabilities: [Float], _ tokens: [Int], _ v: Int) -> Double {
        let nll = (1..<tokens.count).map { -Double(logProbabilities[($0 - 1) * v + tokens[$0]]) }.reduce(0, +)
        return exp(nll / Double(tokens.count - 1))
    }
}
