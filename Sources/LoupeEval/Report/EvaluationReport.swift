import Foundation
import LoupeCore
import LoupeReport

/// An ``Evaluation`` drawn for people: the verdict, the headline figures with their intervals,
/// the confusion matrix as a heatmap, the reliability diagram, ROC and precision–recall curves,
/// the per-class table, the failures, the cost; for a language model its perplexity, KL
/// divergence, multiple-choice and speed figures. `loupe eval --html` writes it as a page, and the
/// dashboard's evaluation tab shows the same ``body``.
public struct EvaluationReport {
    public var evaluation: Evaluation

    public init(_ evaluation: Evaluation) { self.evaluation = evaluation }

    /// A standalone page.
    public var page: HTMLPage {
        HTMLPage(title: "Evaluation of \(evaluation.model)", stylesheet: Self.stylesheet,
                 body: "<h1>Evaluation of \(XMLText.escape(evaluation.model))</h1>\n" + body)
    }

    /// What the report's pages add to the base stylesheet.
    public static let stylesheet = """
        .verdict { display: inline-block; padding: 2px 10px; border-radius: 4px; color: #fff; font-weight: 600; }
        .verdict.pass { background: var(--healthy); } .verdict.fail { background: var(--error); }
        .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
        .grid2 figure { margin: 0; background: #fff; border: 1px solid var(--line); padding: 8px; }
        td.fail { color: var(--error); font-weight: 600; } td.pass { color: var(--healthy); }

        """

    /// The report's sections, without a page around them.
    public var body: String {
        let e = evaluation
        var html = "<p class=\"note\">\(XMLText.escape(e.data)) · \(e.examples) \(e.task == .languageModel ? "scored tokens" : "examples") · "
            + "\(XMLText.escape(e.source))\(e.checkpoint.map { " · \(XMLText.escape($0))" } ?? "") · seed \(e.seed)</p>\n"
        if let verdict = e.verdict { html += Self.verdictSection(verdict) }
        html += headline
        if let c = e.classifier { html += classifierSections(c) }
        if let lm = e.languageModel { html += languageModelSections(lm) }
        if let cost = e.cost { html += Self.costSection(cost) }
        return html
    }

    static func verdictSection(_ verdict: Verdict) -> String {
        var html = "<h2>Verdict <span class=\"verdict \(verdict.passed ? "pass" : "fail")\">\(verdict.passed ? "PASS" : "FAIL")</span></h2>\n"
        html += "<table><tr><th>requirement</th><th>actual</th><th></th></tr>"
        for line in verdict.lines {
            html += "<tr><td><code>\(XMLText.escape(line.requirement.description))</code></td><td>\(Self.number(line.actual))</td>"
                + "<td class=\"\(line.passed ? "pass" : "fail")\">\(line.passed ? "PASS" : "FAIL")</td></tr>"
        }
        return html + "</table>\n"
    }

    private var headline: String {
        let e = evaluation
        let names = ["accuracy", "top_2_accuracy", "macro_f1", "weighted_f1", "roc_auc_macro", "log_loss", "brier", "ece", "mce",
                     "mae", "rmse", "r2", "perplexity", "sliding_perplexity", "bits_per_byte", "mean_kld", "same_top_token", "acc", "acc_norm"]
        var html = "<h2>Quality</h2>\n<table><tr><th>figure</th><th>value</th><th>95% interval</th></tr>"
        for name in names {
            guard let value = e.figures[name] else { continue }
            let interval = e.intervals[name].map { "\(Self.number($0.low)) – \(Self.number($0.high))" } ?? ""
            html += "<tr><td>\(name)</td><td>\(Self.number(value))</td><td>\(interval)</td></tr>"
        }
        return html + "</table>\n"
    }

    private func classifierSections(_ c: ClassifierDetails) -> String {
        let k = c.classNames.count
        let maxCount = Double(c.confusion.flatMap { $0 }.max() ?? 1)
        let confusion = Heatmap(
            title: "Confusion matrix (rows: true class, columns: predicted)", rowLabels: c.classNames, columns: .categories(c.classNames),
            values: c.confusion.map { $0.map(Double.init) },
            tooltips: c.confusion.enumerated().map { t, row in row.enumerated().map { p, n in "true \(c.classNames[t]) → predicted \(c.classNames[p]): \(n)" } },
            colorScale: .linear(lower: 0, upper: max(1, maxCount)), ramp: .blues, rowTitle: "true", columnTitle: "predicted",
            valueLabel: "examples", width: 420, maxCellWidth: 40)
        let bins = c.calibration.filter { $0.count > 0 }
        let reliability = LineChart(
            title: "Reliability diagram (ECE \(Self.number(evaluation.figures["ece"] ?? .nan)))", xTitle: "confidence", yTitle: "accuracy",
            series: [.init("perfectly calibrated", x: [0, 1], y: [0, 1], color: Palette.neutral, dashed: true),
                     .init("model", x: bins.map(\.confidence), y: bins.map(\.accuracy), showsPoints: true)],
            width: 420, height: 320)
        let roc = LineChart(title: "ROC curves (one vs rest)", xTitle: "false-positive rate", yTitle: "true-positive rate",
                            series: [.init("", x: [0, 1], y: [0, 1], color: Palette.neutral, dashed: true)]
                                + c.rocCurves.enumerated().filter { !$0.element.isEmpty }.map { .init("class \(c.classNames[$0.offset])", x: $0.element.map(\.x), y: $0.element.map(\.y)) },
                            width: 420, height: 340)
        let pr = LineChart(title: "Precision–recall curves", xTitle: "recall", yTitle: "precision",
                           series: c.precisionRecallCurves.enumerated().filter { !$0.element.isEmpty }.map {
                               .init("class \(c.classNames[$0.offset])", x: $0.element.map(\.x), y: $0.element.map(\.y))
                           }, width: 420, height: 340)
        var html = "<h2>Where it fails</h2>\n<div class=\"grid2\"><figure>\(confusion.svg)</figure><figure>\(reliability.svg)</figure>"
            + "<figure>\(roc.svg)</figure><figure>\(pr.svg)</figure></div>\n"
        html += "<h3>Per class</h3><table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>"
        for (i, s) in c.perClass.enumerated() where i < k {
            html += "<tr><td>\(XMLText.escape(c.classNames[i]))</td><td>\(Self.number(s.precision))</td><td>\(Self.number(s.recall))</td>"
                + "<td>\(Self.number(s.f1))</td><td>\(s.support)</td></tr>"
        }
        html += "</table>\n"
        if !c.confusedPairs.isEmpty {
            html += "<h3>Most confused</h3><table><tr><th>true</th><th>predicted</th><th>examples</th><th>share of the true class</th></tr>"
            for p in c.confusedPairs {
                html += "<tr><td>\(c.classNames[p.trueClass])</td><td>\(c.classNames[p.predictedClass])</td><td>\(p.count)</td><td>\(NumberText.percent(p.rate))</td></tr>"
            }
            html += "</table>\n"
        }
        if !c.confidentlyWrong.isEmpty {
            html += "<h3>Most confidently wrong</h3><table><tr><th>example</th><th>true</th><th>predicted</th><th>confidence</th><th>p(true class)</th></tr>"
            for w in c.confidentlyWrong.prefix(10) {
                html += "<tr><td>\(w.index)</td><td>\(c.classNames[w.trueClass])</td><td>\(c.classNames[w.predictedClass])</td>"
                    + "<td>\(Self.number(w.confidence))</td><td>\(Self.number(w.trueClassProbability))</td></tr>"
            }
            html += "</table>\n"
        }
        if let image = c.wrongExamplesImage, let svg = try? String(contentsOfFile: image, encoding: .utf8) {
            html += "<figure>\(svg)</figure>\n"
        }
        if let suspects = c.suspectLabels {
            html += "<p>The training debugger flagged \(suspects.count) training label(s) as possibly wrong"
                + (suspects.isEmpty ? "." : ": examples \(suspects.prefix(20).map(String.init).joined(separator: ", "))\(suspects.count > 20 ? ", …" : "").")
                + " <span class=\"note\">(suspect_labels.json; retrain without them with <code>data.exclude</code>)</span></p>\n"
        }
        return html
    }

    private func languageModelSections(_ lm: LanguageModelDetails) -> String {
        var html = ""
        var charts: [String] = []
        for report in [lm.perplexity, lm.slidingWindow].compactMap({ $0 }) {
            html += "<h2>Perplexity: \(report.method == "chunks" ? "llama.cpp's chunks of \(report.context)" : "sliding window of \(report.context), stride \(report.stride ?? 0)")</h2>"
            html += "<p><b>\(Self.number(report.perplexity))</b> ± \(Self.number(report.perplexityUncertainty)) · "
                + "\(Self.number(report.bitsPerByte)) bits per byte · \(report.scoredTokens) tokens scored of \(report.tokens) in \(report.windows) windows</p>\n"
            charts.append(LineChart(title: "Perplexity so far (\(report.method))", xTitle: "window", yTitle: "perplexity",
                                    series: [.init(report.method, x: report.runningPerplexity.indices.map { Double($0 + 1) }, y: report.runningPerplexity)],
                                    width: 420, height: 280).svg)
        }
        if let k = lm.klDivergence {
            html += "<h2>KL divergence from the base model</h2><table><tr><th>figure</th><th>value</th></tr>"
            let rows: [(String, String)] = [
                ("mean KLD", "\(Self.number(k.meanKLD)) ± \(Self.number(k.meanKLDUncertainty))"),
                ("median / 99% / max KLD", "\(Self.number(k.kldPercentiles["median"] ?? .nan)) / \(Self.number(k.kldPercentiles["99%"] ?? .nan)) / \(Self.number(k.kldPercentiles["max"] ?? .nan))"),
                ("same top token", NumberText.percent(k.sameTopToken)),
                ("mean Δp / RMS Δp", "\(NumberText.percent(k.meanDeltaP)) / \(NumberText.percent(k.rmsDeltaP))"),
                ("PPL(model) / PPL(base)", "\(Self.number(k.perplexity)) / \(Self.number(k.basePerplexity))"),
                ("ln(PPL ratio)", "\(Self.number(k.logPerplexityRatio)) ± \(Self.number(k.logPerplexityRatioUncertainty))"),
            ]
            for (name, value) in rows { html += "<tr><td>\(name)</td><td>\(value)</td></tr>" }
            html += "</table>\n"
        }
        if let mc = lm.multipleChoice {
            html += "<h2>Multiple choice\(lm.multipleChoiceTask.map { ": \(XMLText.escape($0))" } ?? "")</h2>"
                + "<p>acc <b>\(Self.number(mc.accuracy))</b> ± \(Self.number(mc.accuracyStandardError)) · acc_norm <b>\(Self.number(mc.normalizedAccuracy))</b> ± "
                + "\(Self.number(mc.normalizedAccuracyStandardError)) · \(mc.items.count) questions</p>\n"
        }
        if let s = lm.speed {
            html += "<h2>Speed</h2><table><tr><th>prompt tokens/s</th><th>generation tokens/s</th><th>time to first token</th>"
                + "<th>US$ / M prompt tokens</th><th>US$ / M generated tokens</th></tr><tr><td>\(Self.number(s.promptTokensPerSecond))</td>"
                + "<td>\(Self.number(s.generationTokensPerSecond))</td><td>\(Self.number(s.timeToFirstTokenMs)) ms</td>"
                + "<td>\(Self.number(s.usdPerMillionPromptTokens))</td><td>\(Self.number(s.usdPerMillionGeneratedTokens))</td></tr></table>"
                + "<p class=\"note\">\(s.threads) thread(s), a \(s.promptTokens)-token prompt then \(s.generatedTokens) generated, median of \(s.rounds) rounds; "
                + "US$\(Self.number(s.pricing.usdPerCoreHour)) per core-hour.</p>\n"
        }
        if !charts.isEmpty { html += "<div class=\"grid2\">" + charts.map { "<figure>\($0)</figure>" }.joined() + "</div>\n" }
        return html
    }

    static func costSection(_ c: InferenceCost) -> String {
        var html = "<h2>Cost</h2><table><tr><th>figure</th><th>value</th></tr>"
        let rows: [(String, String)] = [
            ("parameters", "\(c.parameters)"), ("size on disk", SizePolicy.readable(bytes: c.sizeOnDiskBytes)),
            ("FLOPs per example", NumberText.readable(c.flopsPerExample)), ("memory traffic per example", SizePolicy.readable(bytes: Int(c.bytesPerExample))),
            ("peak memory while predicting", c.peakMemoryBytes.map { SizePolicy.readable(bytes: $0) } ?? "not measured"),
            ("latency at batch 1 (p50 / p95 / p99)", "\(Self.number(c.latency.p50Ms)) / \(Self.number(c.latency.p95Ms)) / \(Self.number(c.latency.p99Ms)) ms"),
            ("throughput", "\(Self.number(c.bestExamplesPerSecond)) examples/s at batch \(c.bestBatchSize)"),
            ("US$ per million predictions", "\(Self.number(c.usdPerMillion)) (US$\(Self.number(c.pricing.usdPerCoreHour))/core-hour × \(c.threads) core(s))"),
            ("training", c.trainingCPUSeconds.map { "\(Self.number($0)) CPU-seconds" } ?? "not recorded"),
            ("energy per example", c.joulesPerExample.map { "\(Self.number($0)) J" } ?? "not measured (no readable RAPL counter on this machine)"),
        ]
        for (name, value) in rows { html += "<tr><td>\(name)</td><td>\(XMLText.escape(value))</td></tr>" }
        return html + "</table>\n"
    }

    static func number(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "–" : (v > 0 ? "∞" : "−∞") }
        if v != 0 && (abs(v) < 0.001 || abs(v) >= 1e6) { return String(format: "%.3g", v) }
        return String(format: abs(v) >= 100 ? "%.1f" : "%.4f", v)
    }
}

