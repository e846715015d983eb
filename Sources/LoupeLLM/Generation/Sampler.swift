import Foundation
import LoupeCore

/// How the next token is chosen from the logits.
public struct SamplingOptions: Sendable, Equatable {
    /// Softmax temperature; 0 picks the most likely token (greedy).
    public var temperature: Double = 0.8
    /// Keep only the k most likely tokens (0: all).
    public var topK: Int = 40
    /// Keep the smallest set of most likely tokens whose probabilities add up to p (1: all).
    public var topP: Double = 0.95
    /// Drop tokens less likely than minP × the most likely one's probability (0: none).
    public var minP: Double = 0.05
    /// Divide positive logits (multiply negative ones) of recently seen tokens by this (1: off).
    public var repetitionPenalty: Double = 1
    /// How many recent tokens the repetition penalty looks at.
    public var repetitionWindow: Int = 64
    /// Seeds the random choice: the same seed and inputs give the same tokens.
    public var seed: UInt64 = 0

    public init() {}

    /// Greedy decoding (temperature 0, every filter off).
    public static var greedy: SamplingOptions {
        var o = SamplingOptions()
        o.temperature = 0
        o.topK = 0
        o.topP = 1
        o.minP = 0
        return o
    }
}

/// Picks tokens from logits: repetition penalty, then top-k, top-p and min-p on the (temperature 1)
/// distribution, then temperature and a seeded draw — llama.cpp's order, so its settings mean the
/// same here.
public struct Sampler {
    public let options: SamplingOptions
    private var rng: RandomGenerator

    public init(_ options: SamplingOptions) {
        self.options = options
        rng = RandomGenerator(seed: options.seed)
    }

    /// The next token given `logits` [vocabulary] and the tokens so far (for the penalty).
    public mutating func next(_ logits: ArraySlice<Float>, history: [Int] = []) -> Int {
        let kept = candidates(logits, history: history)
        // Every draw at a positive temperature consumes one number, even with one candidate left,
        // so a seed gives the same sequence whatever the cuts keep.
        guard options.temperature > 0 else { return kept[0].id }
        let u = Double(rng.next() >> 11) * 0x1p-53
        var cumulative = 0.0
        for candidate in kept {
            cumulative += candidate.probability
            if u < cumulative { return candidate.id }
        }
        return kept[kept.count - 1].id
    }

    /// The tokens that survive the penalty and the top-k, top-p and min-p cuts, most likely first,
    /// with the probabilities the draw uses (after temperature); greedy keeps only the best.
    public func candidates(_ logits: ArraySlice<Float>, history: [Int] = []) -> [(id: Int, probability: Double)] {
        var values = Array(logits)
        if options.repetitionPenalty != 1, options.repetitionPenalty > 0 {
            let penalty = Float(options.repetitionPenalty)
            for id in Set(history.suffix(options.repetitionWindow)) where id >= 0 && id < values.count {
                values[id] = values[id] > 0 ? values[id] / penalty : values[id] * penalty
            }
        }
        if options.temperature <= 0 {
            var best = 0
            for id in values.indices where values[id] > values[best] { best = id }
            return [(best, 1)]
        }
        var candidates = Self.mostLikely(values, options.topK > 0 ? options.topK : values.count)
        var probabilities = Self.softmax(candidates.map { Double($0.logit) }, temperature: 1)
        if options.topP < 1 {
            var cumulative = 0.0, keep = candidates.count
            for (i, p) in probabilities.enumerated() {
                cumulative += p
                if cumulative >= options.topP { keep = i + 1; break }
            }
            candidates.removeLast(candidates.count - keep)
            probabilities.removeLast(probabilities.count - keep)
        }
        if options.minP > 0, let first = probabilities.first {
            let keep = max(1, probabilities.prefix { $0 >= options.minP * first }.count)
            candidates.removeLast(candidates.count - keep)
        }
        probabilities = Self.softmax(candidates.map { Double($0.logit) }, temperature: options.temperature)
        return zip(candidates, probabilities).map { ($0.id, $1) }
    }

    /// The `k` largest logits, largest first (ties: lower id first). Tokens more than 40 nats
    /// below the best cannot pass any filter of a float32 softmax and are skipped before sorting.
    static func mostLikely(_ values: [Float], _ k: Int) -> [(id: Int, logit: Float)] {
        let maximum = values.max() ?? 0
        var threshold = maximum - 40
        var kept: [(id: Int, logit: Float)] = []
        kept.reserveCapacity(min(values.count, 4 * k + 64))
        for (id, v) in values.enumerated() where v >= threshold {
            kept.append((id, v))
            // Keep the working set small: when it grows past 4k, cut it to the best k.
            if kept.count >= 4 * k + 64 {
                kept.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
                kept.removeLast(kept.count - k)
                threshold = kept[k - 1].logit
            }
        }
        kept.sort { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        if kept.count > k { kept.removeLast(kept.count - k) }
        return kept
    }

    static func softmax(_ logits: [Double], temperature: Double) -> [Double] {
        guard let m = logits.max() else { return [] }
        let e = logits.map { Foundation.exp(($0 - m) / temperature) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }
}
