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
/// try html.write(to: url, atomically: true, encoding: .utf8)
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
        var body = "<h1>\(escape(title))</h1>\n" + page.header() + page.timeline()
        for i in trace.cycles.indices { body += page.cycle(i) }
        return HTMLPage(title: title, stylesheet: style, body: body, script: script).html
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

    /// The page's own rules, after LoupeReport's ``HTMLPage/baseStylesheet``: a wider column for
    /// side-by-side panels, cycles as white cards, token chips and the logit-lens grid.
    private static let style = """
        main { max-width: 1240px; }
        h2 { margin-top: 24px; }
        table.facts { background: none; }
        .facts th, .facts td { border: none; background: none; padding: 1px 12px 1px 0; }
        .facts th { color: var(--muted); font-weight: normal; }
        .num { text-align: right; }
        .generated { white-space: pre-wrap; background: #fff; border-left: 3px solid #4e79a7; padding: 0.5em 0.8em; margin: 0.5em 0; }
        .tokens { line-height: 2; }
        .tok { display: inline-block; background: #fff; border: 1px solid #ddd; border-radius: 3px; padding: 0 4px; margin: 1px;
               white-space: pre; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; color: inherit; text-decoration: none; }
        details { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 10px 0; padding: 6px 14px; }
        summary { cursor: pointer; font-weight: 600; }
        .panels { display: flex; flex-wrap: wrap; gap: 12px 32px; align-items: flex-start; margin: 10px 0; }
        .panel { max-width: 100%; overflow-x: auto; }
        .panel h3 { margin: 4px 0; }
        .panel .note { margin: 0 0 4px; font-size: 0.8em; }
        .lens { font-size: 12px; }
        .lens td { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: pre; padding: 1px 6px; }
        .lens .chosen { outline: 2px solid #f28e2b; outline-offset: -2px; }
        .empty { color: #888; font-style: italic; }

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
        let s = trace.sampling, n = NumberText.readable
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
            let p = SVG.clamp(chosen.probability, 0, 1)
            return "<a class=\"tok\" href=\"#cycle-\(i)\" style=\"background:\(ColorRamp.blues.color(at: p * 0.7))\" "
                + "title=\"cycle \(cycle.index) · id \(chosen.id) · p \(NumberText.percent(chosen.probability))\">\(TraceHTML.escape(chosen.text))</a>"
        }
        if !prompt.isEmpty || !generated.isEmpty {
            html += "<p class=\"tokens\">\(prompt.joined()) → \(generated.joined())</p>\n"
        }
        return html
    }

    func timeline() -> String {
        guard !trace.cycles.isEmpty else { return "<p class=\"empty\">No cycles recorded.</p>\n" }
        let bars = trace.cycles.enumerated().map { i, cycle in
            BarChart.Bar(label: "\(cycle.index)", value: cycle.milliseconds,
                         tooltip: "cycle \(cycle.index) · \(chosenSummary(cycle)) · \(NumberText.readable(cycle.milliseconds)) ms · entropy \(NumberText.readable(cycle.entropy)) nats",
                         color: cycle.chosen.map { ColorRamp.viridis.color(at: $0.probability) } ?? Palette.neutral, link: "#cycle-\(i)")
        }
        return "<h2>Cycles</h2>\n<div class=\"panel\">"
            + TimelineChart(title: "Time per cycle and entropy", bars: bars, barTitle: "milliseconds", slotTitle: "cycle",
                            line: trace.cycles.map(\.entropy), lineName: "entropy (nats)",
                            rampKey: .init(.viridis, low: "bar: chosen p 0", high: "1")).svg
            + "</div>\n"
    }

    func chosenSummary(_ cycle: TraceCycle) -> String {
        guard let chosen = cycle.chosen else { return "no token chosen" }
        return "«\(chosen.text)» p \(NumberText.percent(chosen.probability))"
    }

    // MARK: One cycle

    func cycle(_ i: Int) -> String {
        let cycle = trace.cycles[i]
        let summary = "Cycle \(cycle.index) · \(chosenSummary(cycle)) · \(NumberText.readable(cycle.milliseconds)) ms"
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
        let n = NumberText.readable
        var rows = [("chosen", cycle.chosen.map { "\($0.text) (id \($0.id))" } ?? "—"),
                    ("probability", cycle.chosen.map { NumberText.percent($0.probability) } ?? "—"),
                    ("rank", cycle.chosenRank.map { $0 == 0 ? "0 (most likely)" : "\($0) (0 = most likely)" } ?? "—"),
                    ("entropy", "\(n(cycle.entropy)) nats")]
        if let s = cycle.sampler {
            rows.append(("sampler", "temperature \(n(s.temperature)) · kept \(s.kept) holding \(NumberText.percent(s.keptProbability)) · "
                + "chosen p \(NumberText.percent(s.chosenProbability)) as drawn"))
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
            BarChart.Bar(label: candidate.text, value: candidate.probability,
                         tooltip: "«\(candidate.text)» id \(candidate.id) · p \(NumberText.percent(candidate.probability))",
                         color: candidate.id == cycle.chosen?.id ? Palette.highlight : nil)
        }
        let chart = BarChart(title: "Most likely next tokens", bars: bars, scale: .fromZero(maximum: 1), valueFormat: .percent)
        return section("Top \(cycle.top.count)", chart.svg)
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
                let p = SVG.clamp(candidate.probability, 0, 1)
                let chosen = candidate.id == cycle.chosen?.id ? " class=\"chosen\"" : ""
                table += "<td\(chosen) style=\"background:\(ColorRamp.blues.color(at: p));color:\(ColorRamp.blues.textColor(at: p))\" "
                    + "title=\"id \(candidate.id) · p \(NumberText.percent(candidate.probability))\">\(TraceHTML.escape(candidate.text))</td>"
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
        let note = "logit(\(target)) = \(NumberText.readable(a.logit)); remainder \(NumberText.readable(a.remainder)) is int16 rounding"
        func chart(_ bars: [BarChart.Bar], _ label: String) -> String {
            BarChart(title: label, bars: bars, scale: .diverging(negative: "← lowers", positive: "raises →")).svg
        }
        var html = chart(ranked(a.components, extra: [("remainder", a.remainder)]), "\(title) by component")
        if let heads = a.heads, !heads.isEmpty {
            html += "<h3>Heads</h3>" + chart(ranked(heads, extra: []), "\(title) by head")
        }
        return section(title, html, note: note)
    }

    func ranked(_ components: [LogitAttribution.Component], extra: [(String, Double)], shown: Int = 12) -> [BarChart.Bar] {
        let sorted = components.sorted { abs($0.value) > abs($1.value) }
        var bars = sorted.prefix(shown).map {
            BarChart.Bar(label: $0.component, value: $0.value, tooltip: "\($0.component): \(NumberText.readable($0.value))")
        }
        let rest = sorted.dropFirst(shown)
        var grey = extra
        if !rest.isEmpty { grey.insert(("\(rest.count) more", rest.reduce(0) { $0 + $1.value }), at: 0) }
        bars += grey.map { BarChart.Bar(label: $0.0, value: $0.1, tooltip: "\($0.0): \(NumberText.readable($0.1))", color: Palette.neutral) }
        return bars
    }

    // MARK: Attention

    /// Layers × heads, dark where a head's entropy is low (it attends to few positions). The colour
    /// scale runs down from ln(KV positions), the entropy of attending to all of them evenly.
    func attentionEntropy(_ cycle: TraceCycle) -> String {
        let layers = cycle.layers.filter { !$0.heads.isEmpty }
        guard !layers.isEmpty else { return "" }
        let heads = Array(Set(layers.flatMap { $0.heads.map(\.head) })).sorted()
        let observed = layers.flatMap { $0.heads.map(\.entropy) }.filter(\.isFinite).max() ?? 0
        let spread = Swift.max(log(Double(Swift.max(cycle.kvCacheTokens, 1))), observed, 1e-9)
        let recorded = layers.map { layer in heads.map { h in layer.heads.first { $0.head == h } } }
        let tooltips = zip(layers, recorded).map { layer, row in
            zip(heads, row).map { h, head -> String in
                guard let head else { return "L\(layer.layer) H\(h) · not recorded" }
                let top = head.top.map { "\(position($0.position)) \(NumberText.percent($0.weight))" }.joined(separator: "\n  ")
                return "L\(layer.layer) H\(h) · entropy \(NumberText.readable(head.entropy)) nats\n  \(top)"
            }
        }
        let map = Heatmap(title: "Attention entropy by layer and head", rowLabels: layers.map { "L\($0.layer)" },
                          columns: .categories(heads.map { "\($0)" }), values: recorded.map { $0.map { $0?.entropy ?? .nan } },
                          tooltips: tooltips, colorScale: .linear(lower: spread, upper: 0), ramp: .blues, rowTitle: "layer",
                          columnTitle: "head", valueLabel: "entropy (nats)", showsTitle: false, width: 700, maxCellWidth: 28)
        return section("Attention focus", map.svg, note: "dark: focused on few positions; hover a cell for its most-attended ones")
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
        let tooltips = rows.map { row in
            (0..<positions).map { p in
                p < row.mean.count ? "L\(row.layer) · position \(position(p)) · mean weight \(NumberText.readable(row.mean[p]))"
                    : "L\(row.layer) · position \(position(p)) · not recorded"
            }
        }
        let map = Heatmap(title: "Mean attention by layer and position", rowLabels: rows.map { "L\($0.layer)" },
                          columns: .categories((0..<positions).map { p in positionTokens[safe: p].flatMap { $0.flatMap { names[$0] } } ?? "\(p)" }),
                          values: rows.map(\.mean), tooltips: tooltips, colorScale: .linear(lower: 0, upper: largest), ramp: .blues,
                          rowTitle: "layer", columnTitle: "position", valueLabel: "mean weight", showsTitle: false, width: 700, maxCellWidth: 28)
        return section("Attention by position", map.svg, note: "mean over heads of the last position's attention")
    }

    // MARK: Layers

    func norms(_ cycle: TraceCycle) -> String {
        guard !cycle.layers.isEmpty else { return "" }
        let series = [LineChart.Series("residual", values: cycle.layers.map(\.residualNorm)),
                      LineChart.Series("attention", values: cycle.layers.map(\.attentionNorm)),
                      LineChart.Series("MLP", values: cycle.layers.map(\.mlpNorm))]
        let chart = LineChart(title: "Residual, attention and MLP norms by layer", xTitle: "layer", yTitle: "L2 norm", series: series,
                              xAxis: .categories(cycle.layers.map { "\($0.layer)" }), logY: AxisScale.spansDecades(series.flatMap(\.y)),
                              showsTitle: false, width: SVG.clamp(Double(cycle.layers.count) * 18, 280, 520) + 80, height: 230)
        return section("Norms", chart.svg)
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
            let share = blocks > 0 ? NumberText.percent(ms / blocks) : "—"
            table += "<tr><td>\(TraceHTML.escape(op))</td><td class=\"num\">\(NumberText.readable(ms))</td><td class=\"num\">\(share)</td></tr>"
        }
        table += "<tr><th>blocks</th><th class=\"num\">\(NumberText.readable(blocks))</th><th></th></tr></table>"
        return section("Op times", table, note: "summed over \(cycle.layers.count) layers")
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
