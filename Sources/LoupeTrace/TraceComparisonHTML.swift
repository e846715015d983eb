import Foundation
import LoupeReport

/// ``TraceComparison`` as one self-contained page: the continuation with each token coloured by
/// how much more likely the adapted model made it, a layers × cycles heatmap of the change in each
/// layer's logit attribution, the layers that changed most over the run, and per cycle the
/// components and heads whose contribution changed most.
public enum TraceComparisonHTML {
    public static func render(_ comparison: TraceComparison, title: String = "Loupe trace comparison") -> String {
        let e = XMLText.escape, n = NumberText.readable
        var body = "<h1>\(e(title))</h1>\n<table class=\"facts\">"
        for (k, v) in [("base", comparison.baseModel), ("adapted", comparison.adaptedModel), ("prompt tokens", "\(comparison.promptTokens.count)"),
                       ("cycles", "\(comparison.cycles.count)"),
                       ("diverging cycles", "\(comparison.cycles.filter(\.diverges).count) (the base would pick another token)")] {
            body += "<tr><th>\(e(k))</th><td>\(e(v))</td></tr>"
        }
        body += "</table>\n<h2>The continuation</h2>\n<p class=\"note\">The adapted model's tokens; darker: more likely under it than under the base (log-probability gain). Hover for both probabilities.</p>\n<p class=\"tokens\">"
        let maxGain = max(comparison.cycles.map(\.logProbabilityGain).max() ?? 1, 1)
        for c in comparison.cycles {
            let shade = SVG.clamp(c.logProbabilityGain / maxGain, 0, 1)
            body += "<a class=\"tok\(c.diverges ? " diverges" : "")\" href=\"#cycle-\(c.index)\" style=\"background:\(ColorRamp.blues.color(at: shade * 0.8))\" "
                + "title=\"cycle \(c.index) · base p \(NumberText.percent(c.baseProbability)) → adapted \(NumberText.percent(c.adaptedProbability))\">\(e(c.token.text))</a>"
        }
        body += "</p>\n"
        // Layers × cycles: attention + MLP change per layer.
        let layers = Set(comparison.cycles.flatMap { $0.components.compactMap { TraceComparison.layerAndPart($0.component)?.0 } }).sorted()
        if !layers.isEmpty {
            let values = layers.map { l in comparison.cycles.map { c in
                c.components.filter { TraceComparison.layerAndPart($0.component)?.0 == l }.reduce(0) { $0 + $1.value }
            } }
            let bound = max(values.flatMap { $0 }.map(abs).max() ?? 1, 1e-6)
            let map = Heatmap(title: "Δ attribution by layer and cycle", rowLabels: layers.map { "L\($0)" },
                              columns: .categories(comparison.cycles.map { "\($0.index) \($0.token.text)" }), values: values,
                              colorScale: .linear(lower: -bound, upper: bound), columnTitle: "cycle", valueLabel: "Δ logit", width: 1040, maxColumns: 64)
            body += "<h2>Where the models differ</h2>\n<figure>\(map.svg)<figcaption>adapted − base direct logit attribution of each cycle's token, attention and MLP of a layer together: the layers where the new behaviour is written.</figcaption></figure>\n"
            let totals = comparison.layerTotals.sorted { abs($0.attention) + abs($0.mlp) > abs($1.attention) + abs($1.mlp) }.prefix(12)
            let bars = totals.flatMap { l in
                [BarChart.Bar(label: "L\(l.layer).attention", value: l.attention, tooltip: "L\(l.layer) attention: \(n(l.attention))"),
                 BarChart.Bar(label: "L\(l.layer).mlp", value: l.mlp, tooltip: "L\(l.layer) MLP: \(n(l.mlp))")]
            }
            body += "<figure>" + BarChart(title: "Δ attribution summed over cycles", bars: bars, scale: .diverging(negative: "← lowers", positive: "raises →")).svg
                + "<figcaption>The layers that changed most over the whole continuation.</figcaption></figure>\n"
        }
        body += "<h2>Cycles</h2>\n"
        for c in comparison.cycles {
            body += "<section id=\"cycle-\(c.index)\"><h3>cycle \(c.index): \(e(c.token.text))\(c.diverges ? " <span class=\"badge\">diverges</span>" : "")</h3>"
            body += "<p>p base \(NumberText.percent(c.baseProbability)) → adapted \(NumberText.percent(c.adaptedProbability)) "
                + "(\(n(c.logProbabilityGain)) nats); base's pick \(e(c.baseTop?.text ?? "-")), adapted's \(e(c.adaptedTop?.text ?? "-")); "
                + "logit lens shows it from \(c.baseLensLayer.map { "L\($0)" } ?? "no layer") (base) and \(c.adaptedLensLayer.map { "L\($0)" } ?? "no layer") (adapted).</p>"
            let components = c.components.prefix(10).map { BarChart.Bar(label: $0.component, value: $0.value, tooltip: "\($0.component): \(n($0.value))") }
            body += "<div class=\"pair\">" + BarChart(title: "Δ attribution by component", bars: Array(components), scale: .diverging(negative: "← lowers", positive: "raises →")).svg
            if !c.heads.isEmpty {
                let heads = c.heads.prefix(10).map { BarChart.Bar(label: $0.component, value: $0.value, tooltip: "\($0.component): \(n($0.value))") }
                body += BarChart(title: "Δ attribution by head", bars: Array(heads), scale: .diverging(negative: "← lowers", positive: "raises →")).svg
            }
            body += "</div></section>\n"
        }
        return HTMLPage(title: title, stylesheet: style, body: body).html
    }

    static let style = """
        table.facts th { text-align: left; padding-right: 16px; color: var(--muted); font-weight: 500; }
        .tokens { line-height: 2; }
        .tok { display: inline-block; padding: 0 3px; margin: 1px; border-radius: 3px; border: 1px solid var(--line); color: inherit; text-decoration: none; white-space: pre; }
        .tok.diverges { border-color: #c62828; }
        .badge { background: #c62828; color: #fff; border-radius: 4px; padding: 0 6px; font-size: 0.75em; vertical-align: 2px; }
        figure { margin: 12px 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
        figure svg.chart { display: block; width: 100%; }
        figcaption { color: var(--muted); font-size: 0.85em; }
        .pair { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
        .pair svg.chart { width: 100%; }
        section { border-top: 1px solid var(--line); padding-top: 6px; }
        """
}
