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
