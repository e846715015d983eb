import Foundation
import LoupeFineTune
import LoupeReport

/// The report's section on an LLM fine-tune: what the loss mask covers (the first example with
/// its targets highlighted, because a wrong mask trains silently), the forgetting probe over the
/// run, and the adapters' A and B norms per layer and target.
extension HTMLReport {
    static func fineTune(_ f: FineTuneTelemetry) -> String {
        let mask = f.lossMask
        var html = "<section>\n<h2>Fine-tune</h2>\n<h3>Loss mask</h3>\n<dl class=\"facts\">"
        let facts = [("Data", mask.format == .chat ? "chat (replies learned)" : "plain text (every token learned)"),
                     ("Examples", String(mask.examples)), ("Tokens", String(mask.tokens)),
                     ("Supervised", "\(mask.supervisedTokens) (\(pct(mask.supervisedFraction)))"),
                     ("Without targets", String(mask.examplesWithoutTargets))]
        for (name, value) in facts { html += "<div><dt>\(esc(name))</dt><dd>\(esc(value))</dd></div>" }
        html += "</dl>\n<p class=\"note\">The first example as the model sees it: <span class=\"target\">highlighted</span> tokens are the targets the loss is computed on; the rest is context.</p>\n"
        html += "<pre class=\"mask\">" + mask.preview.map { t in
            t.supervised ? "<span class=\"target\">\(esc(t.text))</span>" : esc(t.text)
        }.joined() + (mask.examples > 0 && mask.preview.count == LossMaskSummary.previewLimit ? "…" : "") + "</pre>\n"
        if !mask.chatMarkers.isEmpty {
            html += "<p class=\"note\">Lines that look like conversations: "
                + esc(mask.chatMarkers.sorted { $0.value > $1.value }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")) + "</p>\n"
        }
        guard !f.probe.isEmpty else { return html + "</section>\n" }
        html += "<h3>Forgetting probe</h3>\n<div class=\"grid\">\n"
        let x = f.probe.map { Double($0.step) }
        let perplexity = LineChart(title: "Probe perplexity", xTitle: "step", yTitle: "perplexity", series: [
            .init("adapted", x: x, y: f.probe.map(\.perplexity), showsPoints: true),
            .init("frozen base", x: x, y: f.probe.map(\.basePerplexity), dashed: true, showsPoints: false),
        ], width: 520, height: 260)
        html += figure(perplexity.svg, "Perplexity on text the base model knows (the built-in Shakespeare: “\(f.probeText.prefix(60))…”), against the frozen base's.")
        let kl = LineChart(title: "KL(base ‖ adapted)", xTitle: "step", yTitle: "nats", series: [.init("mean KL", x: x, y: f.probe.map(\.meanKL), showsPoints: true)],
                           width: 520, height: 260)
        html += figure(kl.svg, "Mean divergence of the next-token distributions from the base's on the probe: 0 at the start, as LoRA's B starts at zero.")
        html += "</div>\n"
        // A and B norms at the last reading, one row per layer, one column per target.
        if let step = f.adapters.last?.step {
            let last = f.adapters.filter { $0.step == step }
            let layers = Array(Set(last.map { $0.path.split(separator: ".").dropLast().joined(separator: ".") }))
                .sorted { $0.split(separator: ".").last.flatMap { Int($0) } ?? 0 < $1.split(separator: ".").last.flatMap { Int($0) } ?? 0 }
            let targets = ["q", "k", "v", "o", "gate", "up", "down"].filter { t in last.contains { $0.path.hasSuffix("." + t) } }
            func value(_ layer: String, _ target: String, _ pick: (FineTuneTelemetry.AdapterNorms) -> Float) -> Double {
                last.first { $0.path == "\(layer).\(target)" }.map { Double(pick($0)) } ?? .nan
            }
            html += "<div class=\"grid\">\n"
            for (name, pick) in [("‖A‖", { (n: FineTuneTelemetry.AdapterNorms) in n.a }), ("‖B‖", { (n: FineTuneTelemetry.AdapterNorms) in n.b })] {
                let map = Heatmap(title: "Adapter \(name) at step \(step)", rowLabels: layers, columns: .categories(targets),
                                  values: layers.map { l in targets.map { value(l, $0, pick) } }, colorScale: .log10, columnTitle: "target", valueLabel: name, width: 520)
                html += figure(map.svg, "Frobenius norm of each adapter's \(name.dropFirst().dropLast()) by layer and target; B starts at zero, so ‖B‖ is how far each adapter has moved.")
            }
            html += "</div>\n"
        }
        return html + "</section>\n"
    }
}
