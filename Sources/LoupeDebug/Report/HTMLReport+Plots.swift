import Foundation
import LoupeReport

/// The report's charts, built from the telemetry. Every chart is always present (a "no data"
/// placeholder when the run recorded nothing for it) so the page keeps one layout; only the
/// histograms vary: one per activation layer, and the weights and gradients of the parameter
/// layers the findings name, at most `maxHistogramLayers` layers of each.
extension HTMLReport {
    /// Layers whose histograms are drawn, of each kind; more would bury the page.
    static let maxHistogramLayers = 8

    static func figure(_ svg: String, _ caption: String, wide: Bool = false) -> String {
        "<figure\(wide ? " class=\"wide\"" : "")>\(svg)<figcaption>\(esc(caption))</figcaption></figure>\n"
    }

    static func curves(_ report: DebugReport, _ t: Telemetry) -> String {
        var html = "<section>\n<h2>Training curves</h2>\n<div class=\"grid\">\n"
        html += figure(lossChart(report, t).svg, "Loss per step (line) and validation loss per epoch (dots); "
            + "dashed lines mark where findings first appeared.", wide: true)
        html += figure(metricChart(t).svg, "Metrics at the end of each epoch.")
        let lr = t.learningRate.map(Double.init)
        let lrChart = LineChart(title: "Learning rate", xTitle: "step", yTitle: "learning rate",
                                series: [.init("", x: steps(lr.count), y: lr)], logY: AxisScale.spansDecades(lr), width: 520, height: 260)
        html += figure(lrChart.svg, "Learning rate actually used at each step (schedule and warm-up included).")
        return html + "</div>\n</section>\n"
    }

    /// 1, 2, ... n: loss and learning rate are recorded at every step, index = step - 1.
    static func steps(_ count: Int) -> [Double] { (0..<count).map { Double($0 + 1) } }

    static func lossChart(_ report: DebugReport, _ t: Telemetry) -> LineChart {
        let loss = t.loss.map(Double.init)
        let validated = t.epochs.compactMap { e in e.validation?["loss"].map { (Double(e.step), $0) } }
        let markers = report.findings.compactMap { f -> LineChart.Marker? in
            guard f.kind != .healthy, let step = f.firstStep else { return nil }
            return .init(x: Double(step), label: f.kind.rawValue, color: toneColor(f.kind, f.severity))
        }
        return LineChart(title: "Training loss", xTitle: "step", yTitle: "loss", series: [
            .init("train loss (per step)", x: steps(loss.count), y: loss),
            .init("validation loss (per epoch)", x: validated.map(\.0), y: validated.map(\.1), showsPoints: true),
        ], markers: markers, logY: AxisScale.spansDecades(loss + validated.map(\.1)), width: 1040, height: 340)
    }

    /// Accuracy (validation, and the training sample when recorded); without accuracy, the other
    /// validation metrics.
    static func metricChart(_ t: Telemetry) -> LineChart {
        func series(_ name: String, _ metric: String, _ pick: (EpochRecord) -> [String: Double]?) -> LineChart.Series? {
            let points = t.epochs.compactMap { e in pick(e)?[metric].map { (Double(e.epoch), $0) } }
            return points.isEmpty ? nil : .init(name, x: points.map(\.0), y: points.map(\.1), showsPoints: true)
        }
        var lines = [series("validation accuracy", "accuracy") { $0.validation },
                     series("train-sample accuracy", "accuracy") { $0.trainSample }].compactMap { $0 }
        var title = "Accuracy per epoch", label = "accuracy"
        if lines.isEmpty {
            let names = Set(t.epochs.flatMap { $0.validation?.keys.map { $0 } ?? [] }).subtracting(["loss"]).sorted()
            lines = names.compactMap { name in series("validation \(name)", name) { $0.validation } }
            (title, label) = ("Validation metrics per epoch", "value")
        }
        return LineChart(title: title, xTitle: "epoch", yTitle: label, series: lines, width: 520, height: 260)
    }

    static func layers(_ report: DebugReport, _ t: Telemetry) -> String {
        let columns = t.sampledSteps.map(Double.init)
        let order = Dictionary(t.model.layerOrder.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: Swift.min)
        // Input to output, as the model runs them; layers the profile does not list keep their order, last.
        let parameters = t.layers.enumerated().filter { $0.element.kind == .parameters }
            .sorted { (order[$0.element.path] ?? .max, $0.offset) < (order[$1.element.path] ?? .max, $1.offset) }
            .map(\.element)
        let activations = t.layers.filter { $0.kind == .activation }
        func rows(_ layers: [LayerSeries]) -> [String] {
            layers.map { $0.op.isEmpty ? $0.path : "\($0.path) (\($0.op))" }
        }
        func heatmap(_ title: String, _ layers: [LayerSeries], _ value: String, _ scale: Heatmap.ColorScale,
                     _ column: (LayerSeries) -> [Float]) -> String {
            Heatmap(title: title, rowLabels: rows(layers), columns: .numeric(columns), values: layers.map { column($0).map(Double.init) },
                    colorScale: scale, valueLabel: value, width: 1040, maxColumns: 120).svg
        }

        var html = "<section>\n<h2>Parameter layers</h2>\n<div class=\"grid\">\n"
        html += figure(heatmap("Gradient norm ‖∇W‖", parameters, "‖∇W‖", .log10) { $0.gradNorm },
                       "Per-layer gradient norm at the sampled steps, coloured by log10; grey: not measured or not finite.", wide: true)
        html += figure(heatmap("Update ratio ‖ΔW‖/‖W‖", parameters, "‖ΔW‖/‖W‖", .log10) { $0.updateRatio },
                       "Relative size of each step's weight change; around 1e-3 is typical, far above or below is suspect.",
                       wide: true)
        html += "</div>\n" + parameterHistograms(report, t)
        html += "</section>\n<section>\n<h2>Activation layers</h2>\n" + activationTable(activations)
        html += "<div class=\"grid\">\n"
        html += figure(heatmap("Zero outputs", activations, "zero fraction", .linear(lower: 0, upper: 1)) { $0.zeroFraction },
                       "Fraction of outputs exactly zero (dead ReLU units stay at 1).", wide: true)
        html += figure(heatmap("Saturated pre-activations", activations, "saturated fraction", .linear(lower: 0, upper: 1)) {
            $0.saturatedFraction
        }, "Fraction of pre-activations with |x| ≥ 5, where sigmoid and tanh pass almost no gradient.", wide: true)
        return html + "</div>\n" + histograms(report, t) + "</section>\n"
    }

    /// The last measured value of `series` (NaN when none was).
    static func last(_ series: [Float]) -> Double {
        series.last { $0.isFinite }.map(Double.init) ?? .nan
    }

    static func activationTable(_ layers: [LayerSeries]) -> String {
        guard !layers.isEmpty else { return "<p class=\"note\">No activation layers were sampled.</p>\n" }
        var html = "<table class=\"layers\"><tr><th>layer</th><th>op</th><th>mean</th><th>std</th><th>zero</th>"
            + "<th>dead units</th><th>saturated (max)</th></tr>"
        for layer in layers {
            let peak = layer.saturatedFraction.filter(\.isFinite).max().map(Double.init) ?? .nan
            let cells = [last(layer.mean), last(layer.std), last(layer.zeroFraction), last(layer.deadUnitFraction), peak]
            html += "<tr><td>\(esc(layer.path))</td><td>\(esc(layer.op))</td>"
                + cells.map { "<td>\($0.isNaN ? "–" : esc(num($0)))</td>" }.joined() + "</tr>"
        }
        return html + "</table>\n<p class=\"note\">Values at the last sampled step, except saturation (its peak).</p>\n"
    }

    /// First against last recorded weight and gradient histogram of each parameter layer a finding
    /// names; nothing when none does (the heatmaps above cover every layer).
    static func parameterHistograms(_ report: DebugReport, _ t: Telemetry) -> String {
        var paths: [String] = []
        for path in report.findings.flatMap(\.layers) where !paths.contains(path) && t.parameterHistograms.contains(where: { $0.path == path }) {
            paths.append(path)
        }
        guard !paths.isEmpty else { return "" }
        var html = "<h3>Weights and gradients of the layers named by findings</h3>\n<div class=\"grid small\">\n"
        for path in paths.prefix(maxHistogramLayers) {
            for kind in [ParameterHistogram.Kind.weights, .gradients] {
                let recorded = t.parameterHistograms.filter { $0.path == path && $0.kind == kind }.sorted { $0.step < $1.step }
                guard let first = recorded.first, let last = recorded.last else { continue }
                let shown = recorded.count > 1 ? [first, last] : [first]
                let series = shown.map { Histogram.Series("step \($0.step)", lower: Double($0.lower), upper: Double($0.upper), counts: $0.counts) }
                let what = kind == .weights ? "weight" : "gradient"
                html += figure(Histogram(title: "\(path) \(what)s", xTitle: what, series: series).svg,
                               "The \(what)s of \(path) at " + (shown.count > 1 ? "steps \(first.step) and \(last.step)." : "step \(first.step), the only one recorded."))
            }
        }
        return html + "</div>\n"
    }

    /// First against last recorded histogram per activation layer; layers named by findings first.
    static func histograms(_ report: DebugReport, _ t: Telemetry) -> String {
        var paths: [String] = []
        for h in t.histograms where !paths.contains(h.path) { paths.append(h.path) }
        guard !paths.isEmpty else { return "<p class=\"note\">No activation histograms were recorded.</p>\n" }
        let named = Set(report.findings.flatMap(\.layers))
        paths = paths.filter { named.contains($0) } + paths.filter { !named.contains($0) }
        var html = "<h3>Activation histograms</h3>\n<div class=\"grid small\">\n"
        for path in paths.prefix(maxHistogramLayers) {
            let recorded = t.histograms.filter { $0.path == path }.sorted { $0.step < $1.step }
            let shown = recorded.count > 1 ? [recorded[0], recorded[recorded.count - 1]] : recorded
            let series = shown.map { Histogram.Series("step \($0.step)", lower: Double($0.lower), upper: Double($0.upper),
                                                      counts: $0.counts) }
            let op = recorded[0].op.isEmpty ? "" : " (\(recorded[0].op))"
            let when = shown.count > 1 ? "at the first and last recorded step" : "at step \(shown[0].step), the only one recorded"
            html += figure(Histogram(title: path + op, xTitle: "output", series: series).svg, "Outputs of \(path) \(when).")
        }
        if paths.count > maxHistogramLayers {
            html += "<p class=\"note\">\(paths.count - maxHistogramLayers) more layer(s) not shown.</p>\n"
        }
        return html + "</div>\n"
    }
}
