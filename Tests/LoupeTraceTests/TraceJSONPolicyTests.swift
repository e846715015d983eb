import Foundation
import LoupeReport
import Testing
@testable import LoupeTrace

/// A trace of a model that produced NaN and ∞ (entropy, norms, probabilities) is written under the
/// one JSON policy — `loupe trace --json` used Foundation's default encoder, which refuses NaN —
/// and reads back with the same values.
struct TraceJSONPolicyTests {
    @Test func nonFiniteValuesEncodeAndReadBack() throws {
        var trace = TraceHTMLTests.trace
        trace.cycles[0].entropy = .nan
        trace.cycles[0].layers[0].residualNorm = .infinity
        trace.cycles[0].layers[1].attentionNorm = -.infinity
        trace.cycles[0].chosen?.probability = .nan
        let data = try LoupeJSON.encoder().encode(trace)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""entropy":"NaN""#) && text.contains(#""residualNorm":"Infinity""#) && text.contains(#""attentionNorm":"-Infinity""#))
        let back = try LoupeJSON.decoder().decode(Trace.self, from: data)
        #expect(back.cycles[0].entropy.isNaN && back.cycles[0].layers[0].residualNorm == .infinity)
        #expect(back.cycles[0].layers[1].attentionNorm == -.infinity && back.cycles[0].chosen?.probability.isNaN == true)
        #expect(back.cycles.count == trace.cycles.count && back.promptTokens == trace.promptTokens)
    }
}

/// The terminal views survive the values a broken model produces.
struct TraceTextNonFiniteTests {
    @Test func headStripWithInfiniteAndNaNWeights() {
        var trace = TraceHTMLTests.trace
        trace.cycles[0].layers[0].heads[0].weights = [.infinity, .nan, -1, 0.5, 0.25]
        trace.cycles[0].layers[0].heads[0].entropy = .nan
        for color in [false, true] {
            let text = TraceText(trace: trace, color: color).headHeatmap(trace.cycles[0], layer: 0, head: 0)
            #expect(text.contains("L0.H0"))
        }
    }
}
