import Foundation
import LoupeLLM

/// How fast a language model reads and writes, and what a million tokens cost at a price per
/// core-hour: prompt tokens per second (one batch, empty cache), generation tokens per second
/// (one token per forward pass, greedy), time to first token (the prompt read and the first
/// token chosen). Medians over rounds, after one warm-up round.
public struct LanguageModelSpeed: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var generatedTokens: Int
    public var threads: Int
    public var rounds: Int
    public var promptTokensPerSecond: Double
    public var generationTokensPerSecond: Double
    public var timeToFirstTokenMs: Double
    public var pricing: Pricing
    public var usdPerMillionPromptTokens: Double
    public var usdPerMillionGeneratedTokens: Double

    public var figures: [String: Double] {
        ["prompt_tokens_per_s": promptTokensPerSecond, "generation_tokens_per_s": generationTokensPerSecond,
         "ttft_ms": timeToFirstTokenMs, "usd_per_million_prompt_tokens": usdPerMillionPromptTokens,
         "usd_per_million_generated_tokens": usdPerMillionGeneratedTokens]
    }

    /// Measures `model` on the first `promptLength` tokens of `tokens`, then `generate` more.
    ///
    /// - Throws: ``EvalError/textTooShort(tokens:needed:context:)`` when `tokens` is shorter than
    ///   the prompt; the model's errors.
    public static func measure(model: LlamaModel, tokens: [Int], promptLength: Int = 128, generate: Int = 32, rounds: Int = 3,
                               threads: Int, pricing: Pricing) throws -> LanguageModelSpeed {
        guard tokens.count >= promptLength else { throw EvalError.textTooShort(tokens: tokens.count, needed: promptLength, context: promptLength) }
        let context = LlamaContext(model: model, contextLength: promptLength + generate, threads: threads)
        let prompt = Array(tokens.prefix(promptLength))
        let clock = ContinuousClock()
        var promptRates: [Double] = [], firstTokens: [Double] = [], generationRates: [Double] = []
        for round in 0...rounds {
            context.reset()
            let start = clock.now
            let logits = try context.evaluate(prompt)
            var next = argmax(logits)
            let first = (clock.now - start).seconds
            let generationStart = clock.now
            for _ in 0..<generate { next = argmax(try context.evaluate([next])) }
            let generation = (clock.now - generationStart).seconds
            guard round > 0 else { continue }   // the warm-up round
            promptRates.append(Double(promptLength) / first)
            firstTokens.append(first * 1000)
            generationRates.append(Double(generate) / generation)
        }
        let promptRate = median(promptRates), generationRate = median(generationRates)
        return LanguageModelSpeed(
            promptTokens: promptLength, generatedTokens: generate, threads: threads, rounds: rounds,
            promptTokensPerSecond: promptRate, generationTokensPerSecond: generationRate, timeToFirstTokenMs: median(firstTokens),
            pricing: pricing, usdPerMillionPromptTokens: pricing.usdPerMillion(secondsPerItem: 1 / promptRate, cores: threads),
            usdPerMillionGeneratedTokens: pricing.usdPerMillion(secondsPerItem: 1 / generationRate, cores: threads))
    }

    private static func argmax(_ row: [Float]) -> Int {
        var best = 0
        for i in row.indices where row[i] > row[best] { best = i }
        return best
    }

    private static func median(_ values: [Double]) -> Double { Bootstrap.percentile(values.sorted(), 0.5) }
}
