import Foundation

/// How far a model's next-token distributions are from a base model's on the same text: the
/// figures `llama-perplexity --kl-divergence` prints, for judging a quantized or fine-tuned model
/// against the model it came from (docs/EVALUATION.md, "KL divergence").
public struct KLDivergenceReport: Codable, Sendable, Equatable {
    public var context: Int
    public var windows: Int
    /// Tokens compared (the scored half of each chunk, as for perplexity).
    public var scoredTokens: Int
    public var perplexity: Double
    public var basePerplexity: Double
    /// ln(PPL(model) / PPL(base)) and its standard error (the two are correlated: llama.cpp's formula).
    public var logPerplexityRatio: Double
    public var logPerplexityRatioUncertainty: Double
    /// Mean KL(base ‖ model) per token, nats, and its standard error.
    public var meanKLD: Double
    public var meanKLDUncertainty: Double
    /// KLD percentiles: minimum, 1%, 5%, 10%, median, 90%, 95%, 99%, 99.9%, maximum (llama.cpp's interpolation).
    public var kldPercentiles: [String: Double]
    /// The share of tokens where both models' most likely token is the same.
    public var sameTopToken: Double
    /// Δp = p_model(token) − p_base(token) of the token that came: mean, RMS and percentiles.
    public var meanDeltaP: Double
    public var rmsDeltaP: Double
    public var deltaPPercentiles: [String: Double]
}

/// Compares a model with its base model token by token (see ``KLDivergenceReport``).
public enum KLDivergence {
    /// Reads `text` in llama.cpp's perplexity chunks through both models and compares their
    /// distributions at every scored position.
    ///
    /// KL(base ‖ model) = Σᵢ p_base(i) (log p_base(i) − log p_model(i)) over the whole vocabulary,
    /// in double. (llama.cpp stores the base's log-probabilities in 16 bits and skips ids with
    /// log p_base < −16; the difference is below 1e-4 nats per token.)
    ///
    /// - Throws: ``EvalError/vocabularyMismatch(model:base:)`` when the two tokenize differently,
    ///   and what ``Perplexity/evaluate(_:scorer:method:maxWindows:progress:)`` throws.
    public static func compare(_ text: String, model: LanguageModelScorer, base: LanguageModelScorer, context: Int, maxWindows: Int? = nil,
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> KLDivergenceReport {
        guard model.vocabularySize == base.vocabularySize else {
            throw EvalError.vocabularyMismatch(model: model.vocabularySize, base: base.vocabularySize)
        }
        guard !text.isEmpty else { throw EvalError.empty(what: "text") }
        // The base's tokenization is the reference, as llama.cpp reads tokens from the base's logits file.
        let tokens = (base.beginningOfSequence.map { [$0] } ?? []) + base.tokenize(text)
        let method = PerplexityMethod.chunks(context: context)
        let windows = try Perplexity.windows(count: tokens.count, method: method,
                                             scorer: model.contextLength < base.contextLength ? model : base, maxWindows: maxWindows)
        try checkWindowFits(rows: context, scorers: [model, base], what: "a window of \(context) tokens for two models")
        let vocabulary = model.vocabularySize
        var sums = Sums(), klds: [Double] = [], deltas: [Double] = []
        for (w, window) in windows.enumerated() {
            var input = Array(tokens[window.start..<window.end])
            if let bos = base.beginningOfSequence { input[0] = bos }
            let logits = try model.logits(input), baseLogits = try base.logits(input)
            logits.withUnsafeBufferPointer { q in
                baseLogits.withUnsafeBufferPointer { p in
                    for r in window.firstScoredRow..<(input.count - 1) {
                        let range = (r * vocabulary)..<((r + 1) * vocabulary)
                        let row = UnsafeBufferPointer(rebasing: q[range]), baseRow = UnsafeBufferPointer(rebasing: p[range])
                        let score = TokenScore(row, target: input[r + 1]), baseScore = TokenScore(baseRow, target: input[r + 1])
                        var kld = 0.0
                        for i in 0..<vocabulary {
                            let logBase = Double(baseRow[i]) - baseScore.logSumExp
                            kld += Foundation.exp(logBase) * (logBase - (Double(row[i]) - score.logSumExp))
                        }
                        let delta = Foundation.exp(-score.negativeLogLikelihood) - Foundation.exp(-baseScore.negativeLogLikelihood)
                        sums.add(nll: score.negativeLogLikelihood, baseNLL: baseScore.negativeLogLikelihood, kld: kld, delta: delta,
                                 sameTop: score.top == baseScore.top)
                        klds.append(kld)
                        deltas.append(delta)
                    }
                }
            }
            progress(w + 1, windows.count)
        }
        let n = Double(sums.count)
        let logPPL = meanAndUncertainty(sums.nll, sums.nll2, n), logBase = meanAndUncertainty(sums.baseNLL, sums.baseNLL2, n)
        let covariance = n < 10 ? 0 : (sums.nllTimesBase / n - logPPL.mean * logBase.mean) / (n - 1)
        let kld = meanAndUncertainty(sums.kld, sums.kld2, n)
        let mse = meanAndUncertainty(sums.delta2, sums.delta4, n)
        return KLDivergenceReport(
            context: context, windows: windows.count, scoredTokens: sums.count,
            perplexity: Foundation.exp(logPPL.mean), basePerplexity: Foundation.exp(logBase.mean),
            logPerplexityRatio: logPPL.mean - logBase.mean,
            logPerplexityRatioUncertainty: max(0, logPPL.error * logPPL.error + logBase.error * logBase.error - 2 * covariance).squareRoot(),
            meanKLD: kld.mean, meanKLDUncertainty: kld.error,
            kldPercentiles: percentiles(klds, [("min", 0), ("1%", 0.01), ("5%", 0.05), ("10%", 0.1), ("median", 0.5), ("90%", 0.9),
                                               ("95%", 0.95), ("99%", 0.99), ("99.9%", 0.999), ("max", 1)]),
            sameTopToken: Double(sums.sameTop) / n,
            meanDeltaP: sums.delta / n, rmsDeltaP: mse.mean.squareRoot(),
            deltaPPercentiles: percentiles(deltas, [("min", 0), ("1%", 0.01), ("5%", 0.05), ("10%", 0.1), ("25%", 0.25), ("median", 0.5),
                                                   ("75%", 0.75), ("90%", 0.9), ("95%", 0.95), ("99%", 0.99), ("99.9%", 0.999), ("max", 1)]))
    }

    private struct Sums {
        var nll = 0.0, nll2 = 0.0, baseNLL = 0.0, baseNLL2 = 0.0, nllTimesBase = 0.0
        var kld = 0.0, kld2 = 0.0, delta = 0.0, delta2 = 0.0, delta4 = 0.0
        var sameTop = 0, count = 0

        mutating func add(nll a: Double, baseNLL b: Double, kld k: Double, delta d: Double, sameTop same: Bool) {
            nll += a; nll2 += a * a; baseNLL += b; baseNLL2 += b * b; nllTimesBase += a * b
            kld += k; kld2 += k * k; delta += d; delta2 += d * d; delta4 += d * d * d * d
            sameTop += same ? 1 : 0; count += 1
        }
    }

    /// llama.cpp's `mean_and_uncertainty`: the mean and its standard error √(var / (n − 1)) (0 for 10 values or fewer).
    private static func meanAndUncertainty(_ sum: Double, _ sumOfSquares: Double, _ n: Double) -> (mean: Double, error: Double) {
        let mean = sum / n
        let variance = sumOfSquares / n - mean * mean
        return (mean, n > 10 && variance > 0 ? (variance / (n - 1)).squareRoot() : 0)
    }

    /// llama.cpp's percentile: linear between the two nearest of the sorted values; the median is
    /// the middle value (the mean of the two middle ones for an even count).
    static func percentiles(_ values: [Double], _ fractions: [(String, Double)]) -> [String: Double] {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return [:] }
        var result: [String: Double] = [:]
        for (name, fraction) in fractions {
            if name == "median" {
                let n = sorted.count
                result[name] = n % 2 == 0 ? 0.5 * (sorted[n / 2] + sorted[n / 2 - 1]) : sorted[n / 2]
            } else if fraction <= 0 {
                result[name] = sorted[0]
            } else if fraction >= 1 {
                result[name] = sorted[sorted.count - 1]
            } else {
                let position = fraction * Double(sorted.count - 1)
                let i = Int(position), t = position - Double(i)
                result[name] = (1 - t) * sorted[i] + t * sorted[min(i + 1, sorted.count - 1)]
            }
        }
        return result
    }
}
