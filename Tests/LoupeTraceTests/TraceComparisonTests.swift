import Foundation
import LoupeLLM
import Testing
@testable import LoupeTrace

/// `loupe trace --compare`: the base forced through the adapted model's tokens, paired cycle by
/// cycle. A model compared with itself differs nowhere; a forced continuation is scored, not
/// sampled; hand-made traces give the differences by component and head.
struct TraceComparisonTests {
    let prompt = [504, 3575, 282, 4649, 314]   // "The capital of France is"

    @Test("a model compared with itself, forced through a continuation it would not choose, differs nowhere")
    func selfComparison() throws {
        let tracer = try InferenceTracerTests().tracer(lens: true)
        var options = InferenceTracerTests().greedy
        // Tokens the model would not pick: forcing scores them (their probability is the model's own).
        options.forcedTokens = [11452, 314, 7042]   // " Berlin", " is", " Paris"
        options.maxTokens = 3
        let a = try tracer.trace(prompt: prompt, options: options, modelName: "a")
        let b = try InferenceTracerTests().tracer(lens: true).trace(prompt: prompt, options: options, modelName: "b")
        #expect(a.cycles.compactMap { $0.chosen?.id } == [11452, 314, 7042])
        #expect(a.cycles[0].chosenRank ?? 0 > 0, "the forced token is not the greedy one")
        let comparison = try TraceComparison(base: a, adapted: b)
        #expect(comparison.cycles.count == 3)
        for c in comparison.cycles {
            #expect(abs(c.logProbabilityGain) < 1e-9 && !c.diverges)
            #expect(c.components.allSatisfy { abs($0.value) < 1e-6 } && c.heads.allSatisfy { abs($0.value) < 1e-6 })
            #expect(c.baseLensLayer == c.adaptedLensLayer)
        }
        var other = options
        other.forcedTokens = [7042]
        other.maxTokens = 1
        let c = try InferenceTracerTests().tracer(lens: true).trace(prompt: prompt, options: other)
        #expect(throws: TraceError.self) { try TraceComparison(base: a, adapted: c) }
    }

    static func cycle(_ index: Int, token: Int, p: Double, top: Int, components: [(String, Double)], heads: [(String, Double)]) -> TraceCycle {
        var cycle = TraceCycle(index: index, inputTokens: [token], positions: [index])
        cycle.chosen = Candidate(id: token, text: "t\(token)", probability: p)
        cycle.top = [Candidate(id: top, text: "t\(top)", probability: 0.5)]
        cycle.attribution = LogitAttribution(token: token, distractor: nil, logit: components.reduce(0) { $0 + $1.1 }, remainder: 0,
                                             components: components.map { .init(component: $0.0, value: $0.1) },
                                             heads: heads.map { .init(component: $0.0, value: $0.1) })
        return cycle
    }

    @Test("differences by component and head, the gain in nats, the divergence and the layer totals")
    func handMade() throws {
        var base = Trace(model: "base", promptTokens: [1, 2], sampling: .init(temperature: 0, topK: 0, topP: 1, minP: 0, seed: 0), capture: TraceCapture())
        var adapted = base
        adapted.model = "adapted"
        base.cycles = [Self.cycle(0, token: 7, p: 0.1, top: 9, components: [("embedding", 1), ("L0.attention", 2), ("L1.mlp", 0.5)], heads: [("L0.H0", 2)])]
        adapted.cycles = [Self.cycle(0, token: 7, p: 0.8, top: 7, components: [("embedding", 1), ("L0.attention", 1), ("L1.mlp", 3.5)], heads: [("L0.H0", 1)])]
        let c = try #require(TraceComparison(base: base, adapted: adapted).cycles.first)
        #expect(c.components.map(\.component) == ["L1.mlp", "L0.attention", "embedding"])
        #expect(c.components.map(\.value) == [3, -1, 0])
        #expect(c.heads.first?.value == -1)
        #expect(abs(c.logProbabilityGain - log(8)) < 1e-12 && c.diverges)
        let comparison = try TraceComparison(base: base, adapted: adapted)
        #expect(comparison.layerTotals.map(\.layer) == [0, 1] && comparison.layerTotals[1].mlp == 3)
        let text = TraceComparisonText(comparison).text
        #expect(text.contains("cycle 0") && text.contains("L1.mlp +3.00") && text.contains("diverges"))
        let html = TraceComparisonHTML.render(comparison)
        #expect(html.contains("Δ attribution by layer and cycle") && !html.contains("<script"))
    }
}
