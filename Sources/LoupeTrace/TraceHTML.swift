import Foundation
import LoupeReport

/// A ``Trace`` as one self-contained HTML page: a header with the model, sampling and generated
/// text, a timeline of the cycles, and per cycle its prediction, logit lens, logit attribution,
/// attention patterns, layer norms and op times.
///
/// The page loads nothing (inline CSS and SVG, no fonts, images or links off the page), so it
/// can be mailed or archived with the trace; everything reads without JavaScript, and a few
/// lines of script only open a cycle's section when a link to it is followed.
///
/// ```swift
/// let trace = try tracer.trace(prompt: prompt, options: options)
/// let html = TraceHTML.render(trace, tokenTexts: texts)
/// try html.write(toFile: "trace.html", atomically: true, encoding: .utf8)
/// ```
public enum TraceHTML {
    /// The page for `trace`.
    ///
    /// - Parameters:
    ///   - trace: the recorded generation; empty traces (no cycles, no layers) render too.
    ///   - tokenTexts: token id → text for the prompt and the generated tokens. Attended
    ///     positions are labelled with these (position p holds `promptTokens` then each cycle's
    ///     chosen token); ids missing here fall back to the texts the trace's candidates carry,
    ///     then to `#id`.
    ///   - title: the page's title and heading.
    /// - Returns: a complete HTML document.
    public static func render(_ trace: Trace, tokenTexts: [Int: String] = [:], title: String = "Loupe trace") -> String {
        let page = Page(trace: trace, tokenTexts: tokenTexts)
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>\(escape(title))</title>\n<style>\(style)</style>\n</head>\n<body>\n"
        html += "<h1>\(escape(title))</h1>\n" + page.header() + page.timeline()
        for i in trace.cycles.indices { html += page.cycle(i) }
        return html + "<script>\(script)</script>\n</body>\n</html>\n"
    }

    /// `text` made safe as element content and inside quoted attributes (``XMLText/escape(_:)``).
    static func escape(_ text: String) -> String { XMLText.escape(text) }

    /// `Candidate.text` for running text: display texts quote pieces with edge spaces (`" Paris"`)
    /// so that the spaces show in lists, which running text doesn't need.
    static func unquoted(_ text: String) -> String {
        text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
    }

    /// Opens the `<details>` a followed link points at (a closed one would hide its content).
    private static let script = """
        function openTarget(){var e=document.getElementById(location.hash.slice(1));if(e&&e.tagName==='DETAILS')e.open=true;}
        window.addEventListener('hashchange',openTarget);openTarget();
        """

    private static let style = """
        body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;margin:1.5em auto;max-width:1200px;padding:0 1em}
        h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.2em 0 .4em}h3{font-size:1em;margin:.2em 0 .4em}
        table{border-collapse:collapse;font-size:13px}th,td{padding:2px 8px;text-align:left;vertical-align:top}
        .facts th{color:#666;font-weight:normal}.num{text-align:right;font-variant-numeric:tabular-nums}
        .generated{white-space:pre-wrap;background:#f6f6f6;border-left:3px solid #4e79a7;padding:.5em .8em;margin:.5em 0}
        .tokens{line-height:2}.tok{display:inline-block;border:1px solid #ddd;border-radius:3px;padding:0 4px;margin:1px;white-space:pre;font-family:ui-monospace,monospace;font-size:12px;color:inherit;text-decoration:none}
        details{border:1px solid #ddd;border-radius:6px;margin:.6em 0;padding:.3em .8em}summary{cursor:pointer;font-weight:600}
        .panels{display:flex;flex-wrap:wrap;gap:1em 2em;align-items:flex-start}.panel{max-width:100%;overflow-x:auto}
        .lens td{font-family:ui-monospace,monospace;font-size:12px;white-space:pre}.lens .chosen{outline:2px solid #f28e2b;outline-offset:-2px}
        .note{color:#666;font-size:12px;margin:.2em 0}.empty{color:#888;font-style:italic}svg{max-width:100%;height:auto}
        """
}

/// The trace and what every section looks tokens up in.
private struct Page {
    let trace: Trace
    /// id → text: the caller's texts over those the trace's candidates carry.
    let names: [Int: String]
    /// The token at each position: the prompt, then each cycle's chosen token (nil where a cycle chose none).
    let positionTokens: [Int?]

    init(trace: Trace, tokenTexts: [Int: String]) {
        var names: [Int: String] = [:]
        for cycle in trace.cycles {
            for candidate in cycle.top + (cycle.chosen.map { [$0] } ?? []) { names[candidate.id] = candidate.text }
            for layer in cycle.layers { for candidate in layer.logitLens ?? [] { names[candidate.id] = candidate.text } }
        }
        self.trace = trace
        self.names = names.merging(tokenTexts) { _, caller in caller }
        positionTokens = trace.promptTokens.map { Optional($0) } + trace.cycles.map { $0.chosen?.id }
    }

    func name(_ id: Int) -> String { names[id] ?? "#\(id)" }

    /// "4 «Paris»": a position and, when known, the token there.
    func position(_ p: Int) -> String {
        guard p >= 0, p < positionTokens.count, let id = positionTokens[p], let text = names[id] else { return "\(p)" }
        return "\(p) «\(text)»"
    }

    func section(_ title: String, _ body: String, note: String? = nil) -> String {
        "<div class=\"panel\"><h3>\(TraceHTML.escape(title))</h3>" + (note.map { "<p class=\"note\">\(TraceHTML.escape($0))</p>" } ?? "") + body + "</div>\n"
    }

    func factsTable(_ rows: [(String, String)]) -> String {
        "<table class=\"facts\">" + rows.map { "<tr><th>\(TraceHTML.escape($0.0))</th><td>\(TraceHTML.escape($0.1))</td></tr>" }.joined() + "</table>\n"
    }

    // MARK: Header and timeline

    func header() -> String {
        let s = trace.sampling, n = TraceSVG.number
        let total = trace.cycles.reduce(0) { $0 + $1.milliseconds }
        var html = factsTable([
            ("model", trace.model),
            ("prompt tokens", "\(trace.promptTokens.count)"),
            ("cycles", "\(trace.cycles.count) (\(n(total)) ms)"),
            ("sampling", "temperature \(n(s.temperature)) · top-k \(s.topK) · top-p \(n(s.topP)) · min-p \(n(s.minP)) · seed \(s.seed)"),
        ])
        let text = trace.cycles.map { TraceHTML.unquoted($0.chosen?.text ?? "") }.joined()
        html += "<h2>Generated text</h2><div class=\"generated\">\(TraceHTML.escape(text))</div>\n"
        // Token chips: the prompt's show their positions (attention refers to them), the generated
        // ones their probability and a link to their cycle.
        let prompt = trace.promptTokens.enumerated().map { p, id in
            "<span class=\"tok\" title=\"position \(p) · id \(id)\">\(TraceHTML.escape(name(id)))</span>"
        }
        let generated = trace.cycles.enumerated().compactMap { i, cycle -> String? in
            guard let chosen = cycle.chosen else { return nil }
            let p = TraceSVG.clamp(chosen.probability, 0, 1)
            return "<a class=\"tok\" href=\"#cycle-\(i)\" style=\"background:\(TraceSVG.intensity(p * 0.7))\" "
                + "title=\"cycle \(cycle.index) · id \(chosen.id) · p \(TraceSVG.percent(chosen.probability))\">\(TraceHTML.escape(chosen.text))</a>"
        }
        if !prompt.isEmpty || !generated.isEmpty {
            html += "<p class=\"tokens\">\(prompt.joined()) → \(generated.joined())</p>\n"
        }
        return html
    }

    func timeline() -> String {
        guard !trace.cycles.isEmpty else { return "<p class=\"empty\">No cycles recorded.</p>\n" }
        let bars = trace.cycles.enumerated().map { i, cycle in
            TraceSVG.Bar(label: "\(cycle.index)", value: cycle.milliseconds,
                         tooltip: "cycle \(cycle.index) · \(chosenSummary(cycle)) · \(TraceSVG.number(cycle.milliseconds)) ms · entropy \(TraceSVG.number(cycle.entropy)) nats",
                         colour: cycle.chosen.map { TraceSVG.confidence($0.probability) } ?? TraceSVG.neutral, link: "#cycle-\(i)")
        }
        return "<h2>Cycles</h2>\n<div class=\"panel\">"
            + TraceSVG.timeline(bars, line: trace.cycles.map(\.entropy), lineName: "entropy (nats)", label: "Time per cycle and entropy")
            + "</div>\n"
    }

    func chosenSummary(_ cycle: TraceCycle) -> String {
        guard let chosen = cycle.chosen else { return "no token chosen" }
        return "«\(chosen.text)» p \(TraceSVG.percent(chosen.probability))"
    }

    // MARK: One cycle

    func cycle(_ i: Int) -> String {
        let cycle = trace.cycles[i]
        let summary = "Cycle \(cycle.index) · \(chosenSummary(cycle)) · \(TraceSVG.number(cycle.milliseconds)) ms"
        var html = "<details id=\"cycle-\(i)\"\(i == 0 ? " open" : "")>\n<summary>\(TraceHTML.escape(summary))</summary>\n"
        html += "<div class=\"panels\">\n" + section("Prediction", facts(cycle)) + topK(cycle) + "</div>\n"
        html += logitLens(cycle)
        html += "<div class=\"panels\">\n" + attribution(cycle.attribution, title: "Direct logit attribution")
            + attribution(cycle.contrast, title: "Contrast attribution") + "</div>\n"
        html += "<div class=\"panels\">\n" + attentionEntropy(cycle) + attentionRows(cycle) + "</div>\n"
        html += "<div class=\"panels\">\n" + norms(cycle) + opTimes(cycle) + "</div>\n"
        return html + "</details>\n"
    }

    func facts(_ cycle: TraceCycle) -> String {
        let n = TraceSVG.number
        var rows = [("chosen", cycle.chosen.map { "\($0.text) (id \($0.id))" } ?? "—"),
                    ("probability", cycle.chosen.map { TraceSVG.percent($0.probability) } ?? "—"),
                    ("rank", cycle.chosenRank.map { $0 == 0 ? "0 (most likely)" : "\($0) (0 = most likely)" } ?? "—"),
                    ("entropy", "\(n(cycle.entropy)) nats")]
        if let s = cycle.sampler {
            rows.append(("sampler", "temperature \(n(s.temperature)) · kept \(s.kept) holding \(TraceSVG.percent(s.keptProbability)) · "
                + "chosen p \(TraceSVG.percent(s.chosenProbability)) as drawn"))
        }
        let span = cycle.positions.first.map { first in first == cycle.positions.last ? "\(first)" : "\(first)–\(cycle.positions.last ?? first)" }
        rows += [("input", "\(cycle.inputTokens.count) token\(cycle.inputTokens.count == 1 ? "" : "s")" + (span.map { " at \($0)" } ?? "")),
                 ("KV cache", "\(cycle.kvCacheTokens) tokens"),
                 ("time", "\(n(cycle.milliseconds)) ms")]
        return factsTable(rows)
    }

    func topK(_ cycle: TraceCycle) -> String {
        guard !cycle.top.isEmpty else { return "" }
        let bars = cycle.top.map { candidate in
            TraceSVG.Bar(label: candidate.text, value: candidate.probability,
                         tooltip: "«\(candidate.text)» id \(candidate.id) · p \(TraceSVG.percent(candidate.probability))",
                         colour: candidate.id == cycle.chosen?.id ? TraceSVG.highlight : nil)
        }
        return section("Top \(cycle.top.count)", TraceSVG.horizontalBars(bars, label: "Most likely next tokens", maximum: 1, format: TraceSVG.percent))
    }

    /// Rows are layers, columns the lens's ranks; cells shaded by probability, the chosen token outlined.
    func logitLens(_ cycle: TraceCycle) -> String {
        let layers = cycle.layers.filter { $0.logitLens != nil }
        let width = layers.map { $0.logitLens?.count ?? 0 }.max() ?? 0
        guard width > 0 else { return "" }
        var table = "<table class=\"lens\"><tr><th>layer</th>" + (1...width).map { "<th>\($0)</th>" }.joined() + "</tr>"
        for layer in layers {
            table += "<tr><th>L\(layer.layer)</th>"
            for candidate in layer.logitLens ?? [] {
                let p = TraceSVG.clamp(candidate.probability, 0, 1)
                let chosen = candidate.id == cycle.chosen?.id ? " class=\"chosen\"" : ""
                table += "<td\(chosen) style=\"background:\(TraceSVG.intensity(p));color:\(TraceSVG.ink(onIntensity: p))\" "
                    + "title=\"id \(candidate.id) · p \(TraceSVG.percent(candidate.probability))\">\(TraceHTML.escape(candidate.text))</td>"
            }
            table += "</tr>"
        }
        return section("Logit lens", table + "</table>", note: "each layer's residual stream read through the final norm and head")
    }

    /// The largest components by |value|, then the rest summed and the remainder, which together
    /// add up to the logit.
    func attribution(_ attribution: LogitAttribution?, title: String) -> String {
        guard let a = attribution else { return "" }
        let target = "«\(name(a.token))»" + (a.distractor.map { " − «\(name($0))»" } ?? "")
        let note = "logit(\(target)) = \(TraceSVG.number(a.logit)); remainder \(TraceSVG.number(a.remainder)) is int16 rounding"
        var html = TraceSVG.divergingBars(ranked(a.components, extra: [("remainder", a.remainder)]), label: "\(title) by component")
        if let heads = a.heads, !heads.isEmpty {
            html += "<h3>Heads</h3>" + TraceSVG.divergingBars(ranked(heads, extra: []), label: "\(title) by head")
        }
        return section(title, html, note: note)
    }

    func ranked(_ components: [LogitAttribution.Component], extra: [(String, Double)], shown: Int = 12) -> [TraceSVG.Bar] {
        let sorted = components.sorted { abs($0.value) > abs($1.value) }
        var bars = sorted.prefix(shown).map {
            TraceSVG.Bar(label: $0.component, value: $0.value, tooltip: "\($0.component): \(TraceSVG.number($0.value))")
        }
        let rest = sorted.dropFirst(shown)
        var grey = extra
        if !rest.isEmpty { grey.insert(("\(rest.count) more", rest.reduce(0) { $0 + $1.value }), at: 0) }
        bars += grey.map { TraceSVG.Bar(label: $0.0, value: $0.1, tooltip: "\($0.0): \(TraceSVG.number($0.1))", colour: TraceSVG.neutral) }
        return bars
    }

    // MARK: Attention

    /// Layers × heads, dark where a head's entropy is low (it attends to few positions). Entropy is
    /// scaled by ln(KV positions), the entropy of attending to all of them evenly.
    func attentionEntropy(_ cycle: TraceCycle) -> String {
        let layers = cycle.layers.filter { !$0.heads.isEmpty }
        guard !layers.isEmpty else { return "" }
        let heads = Array(Set(layers.flatMap { $0.heads.map(\.head) })).sorted()
        let observed = layers.flatMap { $0.heads.map(\.entropy) }.filter(\.isFinite).max() ?? 0
        let spread = Swift.max(log(Double(Swift.max(cycle.kvCacheTokens, 1))), observed, 1e-9)
        let cells = layers.map { layer in
            heads.map { h -> TraceSVG.Cell? in
                guard let head = layer.heads.first(where: { $0.head == h }) else { return nil }
                let top = head.top.map { "\(position($0.position)) \(TraceSVG.percent($0.weight))" }.joined(separator: "\n  ")
                return TraceSVG.Cell(colour: TraceSVG.intensity(1 - head.entropy / spread),
                                     tooltip: "L\(layer.layer) H\(h) · entropy \(TraceSVG.number(head.entropy)) nats\n  \(top)")
            }
        }
        let map = TraceSVG.Heatmap(label: "Attention entropy by layer and head", rowTitle: "layer", columnTitle: "head",
                                   rowLabels: layers.map { "L\($0.layer)" }, columnLabels: heads.map { "\($0)" }, cells: cells,
                                   legendLow: "spread", legendHigh: "focused", colour: TraceSVG.intensity)
        return section("Attention focus", TraceSVG.heatmap(map), note: "hover a cell for its most-attended positions")
    }

    /// Layers × positions: each layer's attention rows averaged over its heads, shaded relative to
    /// the largest mean (the first position's sink would otherwise wash the rest out less visibly).
    func attentionRows(_ cycle: TraceCycle) -> String {
        let rows: [(layer: Int, mean: [Double])] = cycle.layers.compactMap { layer in
            let weights = layer.heads.compactMap(\.weights).filter { !$0.isEmpty }
            guard let longest = weights.map(\.count).max() else { return nil }
            let mean = (0..<longest).map { p in weights.reduce(0) { $0 + (p < $1.count ? Double($1[p]) : 0) } / Double(weights.count) }
            return (layer.layer, mean)
        }
        let positions = rows.map(\.mean.count).max() ?? 0
        guard positions > 0 else { return "" }
        let largest = Swift.max(rows.flatMap(\.mean).filter(\.isFinite).max() ?? 0, 1e-12)
        let cells = rows.map { row in
            (0..<positions).map { p -> TraceSVG.Cell? in
                guard p < row.mean.count else { return nil }
                return TraceSVG.Cell(colour: TraceSVG.intensity(row.mean[p] / largest),
                                     tooltip: "L\(row.layer) · position \(position(p)) · mean weight \(TraceSVG.number(row.mean[p]))")
            }
        }
        let map = TraceSVG.Heatmap(label: "Mean attention by layer and position", rowTitle: "layer", columnTitle: "position",
                                   rowLabels: rows.map { "L\($0.layer)" },
                                   columnLabels: (0..<positions).map { p in positionTokens[safe: p].flatMap { $0.flatMap { names[$0] } } ?? "\(p)" },
                                   cells: cells, legendLow: "0", legendHigh: TraceSVG.number(largest), colour: TraceSVG.intensity)
        return section("Attention by position", TraceSVG.heatmap(map), note: "mean over heads of the last position's attention")
    }

    // MARK: Layers

    func norms(_ cycle: TraceCycle) -> String {
        guard !cycle.layers.isEmpty else { return "" }
        let series = [TraceSVG.Series(name: "residual", values: cycle.layers.map(\.residualNorm)),
                      TraceSVG.Series(name: "attention", values: cycle.layers.map(\.attentionNorm)),
                      TraceSVG.Series(name: "MLP", values: cycle.layers.map(\.mlpNorm))]
        return section("Norms", TraceSVG.lineChart(x: cycle.layers.map { "\($0.layer)" }, series: series, xTitle: "layer",
                                                   yTitle: "L2 norm", label: "Residual, attention and MLP norms by layer"))
    }

    /// Each op's time summed over the layers, largest first, with its share of the blocks' time.
    func opTimes(_ cycle: TraceCycle) -> String {
        let totals = cycle.layers.reduce(into: [String: Double]()) { sums, layer in
            for (op, ms) in layer.ops { sums[op, default: 0] += ms }
        }
        guard !totals.isEmpty else { return "" }
        let blocks = cycle.layers.reduce(0) { $0 + $1.milliseconds }
        var table = "<table><tr><th>op</th><th class=\"num\">ms</th><th class=\"num\">share</th></tr>"
        for (op, ms) in totals.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            let share = blocks > 0 ? TraceSVG.percent(ms / blocks) : "—"
            table += "<tr><td>\(TraceHTML.escape(op))</td><td class=\"num\">\(TraceSVG.number(ms))</td><td class=\"num\">\(share)</td></tr>"
        }
        table += "<tr><th>blocks</th><th class=\"num\">\(TraceSVG.number(blocks))</th><th></th></tr></table>"
        return section("Op times", table, note: "summed over \(cycle.layers.count) layers")
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
