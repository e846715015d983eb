import Foundation
import Testing
@testable import LoupeDebug
import LoupeTestSupport

/// The HTML report on synthetic runs: document structure, escaping, no non-finite coordinates,
/// placeholders for a run without layers, and the file written atomically.
@Suite struct HTMLReportTests {
    /// Nine charts: loss, metrics, learning rate, two parameter heatmaps, two activation heatmaps,
    /// and one histogram per activation layer.
    @Test func rendersEveryChartOfAFullRun() {
        let html = HTMLReport.render(ReportFixture.report(), telemetry: ReportFixture.telemetry())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.hasSuffix("</html>\n"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 9)
        #expect(html.components(separatedBy: "</svg>").count - 1 == 9)
        #expect(html.components(separatedBy: "<article class=\"finding ").count - 1 == 3)
        #expect(html.contains("<article class=\"finding error\">"))
        #expect(html.contains("First non-finite value"))
        #expect(html.contains("Fix attempts"))
        // Findings with a first step become markers on the loss chart, labelled by kind.
        #expect(html.contains(">nan_inf</text>"))
        #expect(html.contains(">dead_relu</text>"))
        // Every chart had data to draw.
        #expect(!html.contains("class=\"placeholder\""))
    }

    /// A parameter layer a finding names gets its weights and gradients, first against last.
    @Test func drawsWeightsAndGradientsOfALayerAFindingNames() {
        var telemetry = ReportFixture.telemetry()
        let plain = HTMLReport.render(ReportFixture.report(), telemetry: telemetry)
        #expect(!plain.contains("Weights and gradients of the layers named by findings"))
        telemetry.parameterHistograms = [ParameterHistogram.Kind.weights, .gradients].flatMap { kind in
            [1, 6, 11].map { step in
                ParameterHistogram(path: "layers.3", kind: kind, step: step, lower: -1, upper: 1, counts: [1, 2, 3], nonFinite: 0,
                                   sum: 0, sumOfSquares: 1)
            }
        } + [ParameterHistogram(path: "layers.0", kind: .weights, step: 1, lower: 0, upper: 1, counts: [1], nonFinite: 0, sum: 0.5,
                                sumOfSquares: 0.25)]
        let html = HTMLReport.render(ReportFixture.report(), telemetry: telemetry)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 9 + 2)
        #expect(html.contains("The weights of layers.3 at steps 1 and 11."))
        #expect(html.contains("The gradients of layers.3 at steps 1 and 11."))
        #expect(!html.contains("of layers.0 at step"))
    }

    @Test func escapesEveryText() {
        let html = HTMLReport.render(ReportFixture.report(), telemetry: ReportFixture.telemetry())
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; the &quot;rest&quot;"))
        #expect(html.contains("<title>Loupe debug: run &amp; &lt;b&gt;</title>"))
        // The layer path appears in table cells and inside the SVG row labels, escaped in both.
        #expect(html.contains("<td>act&lt;script&gt;</td>"))
        #expect(html.contains(">act&lt;script&gt; (relu)</text>"))
    }

    /// NaN and ∞ in the loss, the heatmaps and the histograms never reach an SVG coordinate.
    @Test func coordinatesAreAlwaysFiniteNumbers() {
        let html = HTMLReport.render(ReportFixture.report(), telemetry: ReportFixture.telemetry())
        let values = SVGProbe.coordinateAttributes(html)
        #expect(values.count > 100)
        let bad = values.filter { !SVGProbe.isFiniteNumberList($0) }
        #expect(bad.isEmpty, "non-numeric coordinates: \(bad.prefix(5))")
    }

    @Test func runWithoutLayersGetsPlaceholders() {
        var telemetry = ReportFixture.telemetry()
        (telemetry.layers, telemetry.histograms, telemetry.sampledSteps, telemetry.epochs) = ([], [], [], [])
        telemetry.nonFinite = nil
        var report = ReportFixture.report()
        report.findings = [Finding(kind: .healthy, severity: .info, confidence: 1, explanation: "Nothing is wrong.")]
        report.fixAttempts = []
        let html = HTMLReport.render(report, telemetry: telemetry)
        #expect(html.components(separatedBy: "<svg ").count - 1 == 7)
        // Metrics, two parameter heatmaps, two activation heatmaps.
        #expect(html.components(separatedBy: "class=\"placeholder\"").count - 1 == 5)
        #expect(html.contains("No activation histograms were recorded."))
        #expect(html.contains("<article class=\"finding healthy\">"))
        #expect(!html.contains("First non-finite value"))
        #expect(!html.contains("Fix attempts"))
        #expect(SVGProbe.coordinateAttributes(html).allSatisfy(SVGProbe.isFiniteNumberList))
    }

    @Test func writesTheRenderedPage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("debug.html")
        let (report, telemetry) = (ReportFixture.report(), ReportFixture.telemetry())
        try HTMLReport.write(report, telemetry: telemetry, to: url)
        let written = try String(contentsOf: url, encoding: .utf8)
        #expect(written == HTMLReport.render(report, telemetry: telemetry))
    }

    @Test func findingsKeepTheirOrderAndFixesTheirRank() {
        let html = HTMLReport.render(ReportFixture.report(), telemetry: ReportFixture.telemetry())
        let order = ["nan_inf</h3>", "dead_relu</h3>", "lr_too_low</h3>"].compactMap { html.range(of: $0)?.lowerBound }
        #expect(order.count == 3)
        #expect(order == order.sorted())
        let fixes = ["Lower the learning rate", "Clip gradients"].compactMap { html.range(of: $0)?.lowerBound }
        #expect(fixes.count == 2)
        #expect(fixes == fixes.sorted())
        #expect(html.contains("<td>inf_count</td><td>∞</td>"))
        #expect(html.contains("first seen at step 151"))
    }

    @Test func fixAttemptsShowOutcomeAndMetrics() {
        let html = HTMLReport.render(ReportFixture.report(), telemetry: ReportFixture.telemetry())
        #expect(html.contains("<td class=\"good\">yes</td>"))
        #expect(html.contains("<td class=\"bad\">no</td>"))
        #expect(html.contains("validation: accuracy 0.91, loss 0.3"))
        #expect(html.contains("<td>loss_oscillating (warning)</td>"))
        #expect(html.contains("<td>healthy</td>"))
    }
}

/// A small run with every kind of trouble the report must survive: NaN and ∞ in the loss and the
/// layer series, a layer never measured at some steps, and text that needs escaping.
enum ReportFixture {
    static func telemetry() -> Telemetry {
        var t = Telemetry()
        t.loss = (1...200).map { Float(2.3 * exp(-Double($0) / 40) + 0.05) }
        (t.loss[150], t.loss[151]) = (.nan, .infinity)
        t.learningRate = (1...200).map { Float(0.1 * pow(0.98, Double($0))) }
        t.sampledSteps = [1, 2, 3, 10, 50, 100, 151, 200]

        var linear = LayerSeries(path: "layers.0", kind: .parameters)
        linear.op = "Linear"
        linear.gradNorm = [1, 0.5, .nan, 0.1, 0.01, 1e-3, .infinity, 0]
        linear.updateRatio = [1e-2, 1e-3, 1e-3, 1e-3, 1e-4, 1e-4, .nan]  // one short: padded with NaN
        var output = LayerSeries(path: "layers.2", kind: .parameters)
        output.op = "Linear"
        output.gradNorm = Array(repeating: 0.2, count: 8)
        output.updateRatio = Array(repeating: 1e-3, count: 8)
        var relu = LayerSeries(path: "act<script>", kind: .activation)
        relu.op = "relu"
        relu.zeroFraction = [0.4, 0.5, 0.6, 0.8, 0.95, 1, .nan, 1]
        relu.saturatedFraction = Array(repeating: 0, count: 8)
        relu.mean = [0.3, 0.2, 0.1, 0.05, 0.01, 0, .nan, 0]
        var sigmoid = LayerSeries(path: "layers.3", kind: .activation)
        sigmoid.op = "sigmoid"
        sigmoid.saturatedFraction = [0, 0.1, 0.2, 0.5, 0.9, 0.9, 0.9, 0.9]
        // The output layer listed first in the model's order, to check the heatmap follows it.
        t.model.layerOrder = ["layers.2", "layers.0"]
        t.layers = [linear, relu, output, sigmoid]

        t.epochs = (1...4).map { (e: Int) -> EpochRecord in
            let x = Double(e)
            let validation: [String: Double] = ["loss": e == 4 ? Double.nan : 2.1 / x, "accuracy": 0.2 * x]
            return EpochRecord(epoch: e, step: e * 50, trainLoss: 2 / x, validation: validation,
                               trainSample: ["accuracy": 0.22 * x], learningRate: 0.1)
        }
        t.histograms = [
            ActivationHistogram(path: "act<script>", op: "relu", step: 1, lower: -1, upper: 1, counts: [1, 4, 9, 4]),
            ActivationHistogram(path: "act<script>", op: "relu", step: 200, lower: 0, upper: .infinity, counts: [30, 2]),
            ActivationHistogram(path: "act<script>", op: "relu", step: 100, lower: 0, upper: 2, counts: [20, 5]),
            ActivationHistogram(path: "layers.3", op: "sigmoid", step: 1, lower: 0, upper: 1, counts: [3, 5, 3]),
        ]
        t.nonFinite = NonFiniteEvent(phase: .forward, step: 151, op: "exp", modulePath: "layers.3", inputs: [
            TensorSummary(shape: [32, 10], mean: 1e30, std: .nan, min: nil, max: .infinity, nonFinite: 3),
        ], output: TensorSummary(shape: [32, 10], mean: nil, std: nil, min: nil, max: nil, nonFinite: 320))
        return t
    }

    static func report() -> DebugReport {
        var report = DebugReport(run: "run & <b>", runFile: "runs/a&b.toml", findings: [
            Finding(kind: .nanInf, severity: .error, confidence: 0.97, firstStep: 151, layers: ["layers.3"],
                    evidence: ["inf_count": .infinity, "first_step": 151],
                    explanation: "<script>alert(1)</script> & the \"rest\"",
                    fixes: [SuggestedFix("Lower the learning rate 10× (0.1 → 0.01)", action: .scaleLearningRate(0.1)),
                            SuggestedFix("Clip gradients at 1", action: .clipGradients(1))]),
            Finding(kind: .deadReLU, severity: .warning, confidence: 0.6, firstStep: 50, layers: ["act<script>"],
                    evidence: ["zero_fraction": 0.95], explanation: "Most units never fire.",
                    fixes: [SuggestedFix("Use He initialization", action: .defaultInitialization)]),
            Finding(kind: .lrTooLow, severity: .info, confidence: 0.3, explanation: "Slow."),
        ], metrics: ["validation": ["loss": 0.5, "accuracy": 0.8], "train": ["loss": 0.4]],
           steps: 200, epochs: 4, seconds: 12.34, stopReason: "non-finite loss")
        report.telemetryFile = "runs/x/health.json"
        report.fixAttempts = [
            FixAttempt(attempt: 1, addressed: .nanInf, fix: SuggestedFix("Lower the learning rate 10×"),
                       runFile: "runs/a.fix1.toml", findingsAfter: [Finding(kind: .lossOscillating, severity: .warning,
                                                                             confidence: 0.5, explanation: "Wobbly.")],
                       metricsAfter: ["train": ["loss": 0.9]], cured: false),
            FixAttempt(attempt: 2, addressed: .nanInf, fix: SuggestedFix("Clip gradients at 1"), runFile: "runs/a.fix2.toml",
                       findingsAfter: [Finding(kind: .healthy, severity: .info, confidence: 1, explanation: "Fine.")],
                       metricsAfter: ["validation": ["loss": 0.3, "accuracy": 0.91]], cured: true),
        ]
        return report
    }
}
