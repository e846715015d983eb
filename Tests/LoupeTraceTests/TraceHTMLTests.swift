import Foundation
import Testing
@testable import LoupeTrace

/// The HTML page is self-contained, escapes every token text, draws one chart per recorded
/// feature and survives traces with nothing in them.
struct TraceHTMLTests {
    static let hostile = "<script>alert(1)</script> & \"quoted\""

    static func candidate(_ id: Int, _ text: String, _ p: Double) -> Candidate {
        Candidate(id: id, text: text, probability: p)
    }

    /// A layer with two heads; `rows` adds whole attention rows over `positions` positions.
    static func layer(_ index: Int, lens: Bool, rows: Bool, positions: Int) -> TraceLayer {
        let heads = (0..<2).map { h in
            TraceHead(head: h, entropy: 0.3 + Double(h + index), top: [AttendedPosition(position: 0, weight: 0.6), AttendedPosition(position: 2, weight: 0.3)],
                      weights: rows ? (0..<positions).map { Float($0 == h ? 0.7 : 0.3 / Double(positions - 1)) } : nil)
        }
        return TraceLayer(layer: index, residualNorm: 10 * Double(index + 1), attentionNorm: 1.5, mlpNorm: 2.5, heads: heads,
                          logitLens: lens ? [candidate(7, "\" Paris\"", 0.4 + 0.1 * Double(index)), candidate(9, hostile, 0.1)] : nil,
                          milliseconds: 2, ops: ["attention.qkv": 0.5, "mlp.down": 0.75])
    }

    static func attribution(token: Int, distractor: Int? = nil, heads: Bool) -> LogitAttribution {
        let components = [LogitAttribution.Component(component: "L1.mlp", value: 3.5),
                          .init(component: "embedding", value: -1.25)]
            + (0..<15).map { .init(component: "L\($0).attention", value: Double($0 % 5) - 2) }
        return LogitAttribution(token: token, distractor: distractor, logit: 12.5, remainder: 0.01, components: components,
                                heads: heads ? [.init(component: "L1.H0", value: 0.8), .init(component: "L0.H1", value: -0.2)] : nil)
    }

    /// Cycle 0 has everything (logit lens, attribution with heads, contrast, attention rows),
    /// cycle 1 only a top-k, layers without extras and nothing optional, cycle 2 no layers at all.
    static var trace: Trace {
        var trace = Trace(model: "tiny <model>.gguf", promptTokens: [1, 2, 3],
                          sampling: Trace.Sampling(temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, seed: 42),
                          capture: .full)
        trace.cycles.append(TraceCycle(
            index: 0, inputTokens: [1, 2, 3], positions: [0, 1, 2], chosen: candidate(7, "\" Paris\"", 0.82), chosenRank: 0,
            sampler: SamplerState(temperature: 0.7, kept: 3, keptProbability: 0.97, chosenProbability: 0.9),
            top: [candidate(7, "\" Paris\"", 0.82), candidate(9, hostile, 0.05)], entropy: 0.7,
            layers: (0..<3).map { layer($0, lens: true, rows: true, positions: 3) },
            attribution: attribution(token: 7, heads: true), contrast: attribution(token: 7, distractor: 9, heads: false),
            kvCacheTokens: 3, milliseconds: 20))
        trace.cycles.append(TraceCycle(
            index: 1, inputTokens: [7], positions: [3], chosen: candidate(9, hostile, 0.3), chosenRank: 1,
            top: [candidate(7, "\" Paris\"", 0.5), candidate(9, hostile, 0.3)], entropy: 1.4,
            layers: (0..<3).map { layer($0, lens: false, rows: false, positions: 4) }, kvCacheTokens: 4, milliseconds: 8))
        trace.cycles.append(TraceCycle(index: 2, inputTokens: [9], positions: [4]))
        return trace
    }

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func drawsOneChartPerRecordedFeature() {
        let html = TraceHTML.render(Self.trace, tokenTexts: [1: "The", 2: " capital", 3: " is"])
        // Timeline 1; cycle 0: top-k, attribution components + heads, contrast components,
        // entropy heatmap, position heatmap, norms = 7; cycle 1: top-k, entropy heatmap, norms = 3.
        #expect(Self.count("<svg", in: html) == 11)
        #expect(Self.count("<details", in: html) == 3)
        #expect(Self.count("<details id=\"cycle-0\" open>", in: html) == 1)
        #expect(Self.count(" open>", in: html) == 1)
        #expect(Self.count("class=\"lens\"", in: html) == 1)
        #expect(Self.count("<g class=\"series\"", in: html) == 1 + 3 * 2)   // entropy line; 3 norms lines in cycles 0 and 1
        // One timeline bar per cycle, linked to its section.
        #expect(Self.count("<a href=\"#cycle-", in: html) == 3)
        #expect(Self.count("href=\"#cycle-", in: html) == 3 + 2)   // and the 2 generated tokens' chips
        // Attribution: 12 components, the 5 not shown summed, and the remainder.
        #expect(html.contains(">5 more</text>") && html.contains(">remainder</text>"))
        // The positions heatmap names the prompt's tokens the caller passed.
        #expect(html.contains("> capital</text>"))
        #expect(html.contains("position 1 « capital» · mean weight"))
        // Op times summed over 3 layers.
        #expect(html.contains("<td>mlp.down</td><td class=\"num\">2.25</td>"))
    }

    @Test func loadsNothingFromTheNetwork() {
        let html = TraceHTML.render(Self.trace, title: "Trace")
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("<link") && !html.contains("<img") && !html.contains("@import") && !html.contains("url("))
        // Every src/href stays on the page.
        for attribute in ["src=", "href="] {
            for piece in html.components(separatedBy: attribute).dropFirst() {
                #expect(piece.hasPrefix("\"#"), "\(attribute)\(piece.prefix(40))")
            }
        }
    }

    @Test func escapesTokenTexts() {
        let html = TraceHTML.render(Self.trace, tokenTexts: [3: Self.hostile], title: "a <b> & \"c\"")
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("\"quoted\""))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot;"))
        #expect(html.contains("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"))
        #expect(html.contains("tiny &lt;model&gt;.gguf"))
        // The page's own script is the only one.
        #expect(Self.count("<script>", in: html) == 1)
        #expect(TraceHTML.escape("a'b\u{1}") == "a&#39;b\u{FFFD}")
    }

    @Test func generatedTextDropsDisplayQuotes() {
        let html = TraceHTML.render(Self.trace)
        #expect(html.contains("<div class=\"generated\"> Paris&lt;script&gt;"))
        #expect(TraceHTML.unquoted("\" Paris\"") == " Paris" && TraceHTML.unquoted("\"") == "\"" && TraceHTML.unquoted("is") == "is")
    }

    @Test func rendersEmptyTraces() {
        var empty = Trace(model: "", promptTokens: [], sampling: Trace.Sampling(temperature: 0, topK: 0, topP: 1, minP: 0, seed: 0),
                          capture: TraceCapture())
        var html = TraceHTML.render(empty)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        #expect(Self.count("<details", in: html) == 0 && Self.count("<svg", in: html) == 0)
        #expect(html.contains("No cycles recorded."))

        // Cycles with nothing in them: no token, no layers, no candidates, zero times.
        empty.cycles = (0..<4).map { TraceCycle(index: $0, inputTokens: [], positions: []) }
        html = TraceHTML.render(empty)
        #expect(Self.count("<details", in: html) == 4)
        #expect(Self.count("<svg", in: html) == 1)   // the timeline only
        #expect(!html.contains("nan") && !html.contains("NaN"))

        // Layers without heads, ops or norms; heads without rows; an empty attention row.
        var bare = TraceCycle(index: 0, inputTokens: [1], positions: [0])
        bare.layers = [TraceLayer(layer: 0), TraceLayer(layer: 1, heads: [TraceHead(head: 0, entropy: 0, top: [], weights: [])])]
        bare.attribution = LogitAttribution(token: 5, logit: 0, remainder: 0, components: [], heads: [])
        empty.cycles = [bare]
        html = TraceHTML.render(empty)
        #expect(Self.count("<details", in: html) == 1)
        #expect(Self.count("<svg", in: html) == 4)   // timeline, attribution (remainder only), entropy heatmap, norms
        #expect(!html.contains("nan") && !html.contains("NaN"))
    }
}

extension TraceHTMLTests {
    /// A model-sized trace: 24 layers of 16 heads with whole attention rows over 200 positions.
    @Test func modelSizedTraceDrawsEveryCell() {
        let positions = 200, layers = 24
        var trace = Self.trace
        trace.promptTokens = Array(0..<positions - 1)
        trace.cycles = [TraceCycle(
            index: 0, inputTokens: trace.promptTokens, positions: Array(0..<positions - 1), chosen: Self.candidate(7, "x", 0.4),
            layers: (0..<layers).map { l in
                TraceLayer(layer: l, residualNorm: 3 * Double(l + 1), attentionNorm: 0.02 * Double(l + 1), mlpNorm: 1,
                           heads: (0..<16).map { h in
                               TraceHead(head: h, entropy: Double(h) / 4, top: [], weights: (0..<positions).map { Float(($0 + h) % 7) / 600 })
                           })
            }, kvCacheTokens: positions, milliseconds: 90)]
        let html = TraceHTML.render(trace, tokenTexts: Dictionary(uniqueKeysWithValues: (0..<positions).map { ($0, "t\($0)") }))
        #expect(Self.count("<svg", in: html) == 4)   // timeline, entropy heatmap, position heatmap, norms
        #expect(Self.count("<rect", in: html) >= layers * 16 + layers * positions)
        #expect(html.contains("(log)"))   // norms spanning 0.02 ... 72 get a log axis
        // The prompt's positions, then the chosen token's.
        #expect(html.contains("L23 · position 198 «t198» · mean weight"))
        #expect(html.contains("L23 · position 199 «t7» · mean weight"))
    }
}
