import Foundation
import Testing
@testable import LoupeLLM

/// The sampler's filters on hand-made logits, where the right answer is known exactly.
struct SamplerTests {
    /// Probabilities 0.5, 0.3, 0.15, 0.05 (as logits).
    let logits: [Float] = [0.5, 0.3, 0.15, 0.05].map { Float(Foundation.log($0)) }

    func frequencies(_ options: SamplingOptions, draws: Int = 20_000) -> [Double] {
        var sampler = Sampler(options)
        var counts = [Double](repeating: 0, count: logits.count)
        for _ in 0..<draws { counts[sampler.next(logits[...])] += 1 }
        return counts.map { $0 / Double(draws) }
    }

    func options(temperature: Double = 1, topK: Int = 0, topP: Double = 1, minP: Double = 0, seed: UInt64 = 1) -> SamplingOptions {
        var o = SamplingOptions()
        (o.temperature, o.topK, o.topP, o.minP, o.seed) = (temperature, topK, topP, minP, seed)
        return o
    }

    @Test func greedyTakesTheArgmax() {
        var sampler = Sampler(.greedy)
        #expect(sampler.next([0.1, 2, -1, 1.99][...]) == 1)
        var topOne = Sampler(options(temperature: 5, topK: 1))
        #expect((0..<50).allSatisfy { _ in topOne.next(logits[...]) == 0 })
    }

    @Test func unfilteredDrawsFollowTheSoftmax() {
        // 20,000 draws: the standard error of a 0.3 frequency is 0.0032; allow 5 of them.
        for (f, p) in zip(frequencies(options()), [0.5, 0.3, 0.15, 0.05]) { #expect(abs(f - p) < 0.016, "\(f) vs \(p)") }
    }

    @Test func temperatureSharpensAndFlattens() {
        let cold = frequencies(options(temperature: 0.5))   // p² renormalised: 0.685, 0.247, 0.062, 0.007
        #expect(abs(cold[0] - 0.685) < 0.02 && abs(cold[3] - 0.0068) < 0.004)
        let hot = frequencies(options(temperature: 2))      // √p renormalised: 0.379, 0.294, 0.208, 0.120
        #expect(abs(hot[0] - 0.379) < 0.02 && abs(hot[3] - 0.120) < 0.015)
    }

    @Test func topKTopPAndMinPCutTheTail() {
        let k2 = frequencies(options(topK: 2))              // 0.625, 0.375
        #expect(k2[2] == 0 && k2[3] == 0 && abs(k2[0] - 0.625) < 0.02)
        let p8 = frequencies(options(topP: 0.8))            // 0.5 + 0.3 reaches 0.8: ids 0, 1
        #expect(p8[2] == 0 && p8[3] == 0)
        let p81 = frequencies(options(topP: 0.81))          // needs id 2 as well
        #expect(p81[2] > 0 && p81[3] == 0)
        let minP = frequencies(options(minP: 0.25))         // keeps p ≥ 0.125: ids 0, 1, 2
        #expect(minP[2] > 0 && minP[3] == 0)
    }

    @Test func theSameSeedGivesTheSameTokens() {
        func run(_ seed: UInt64) -> [Int] {
            var s = Sampler(options(seed: seed))
            return (0..<200).map { _ in s.next(logits[...]) }
        }
        #expect(run(7) == run(7))
        #expect(run(7) != run(8))
    }

    @Test func repetitionPenaltyDemotesSeenTokens() {
        var o = SamplingOptions.greedy
        o.repetitionPenalty = 2
        var sampler = Sampler(o)
        // Logit 2 of id 1 halves to 1 after it was seen; id 0 (1.5) wins. Negative logits are multiplied.
        #expect(sampler.next([1.5, 2, -1][...], history: [1]) == 0)
        #expect(sampler.next([1.5, 2, -1][...], history: []) == 1)
    }

    @Test func mostLikelyIsASortedTopK() {
        let values: [Float] = (0..<10_000).map { Float(($0 * 7919) % 10_007) / 100 }
        let top = Sampler.mostLikely(values, 50)
        let expected = values.enumerated().sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }.prefix(50)
        #expect(top.map(\.id) == expected.map(\.offset))
    }
}
