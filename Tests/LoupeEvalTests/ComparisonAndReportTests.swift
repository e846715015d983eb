import Foundation
import LoupeReport
import LoupeStore
import LoupeTestSupport
import Testing
@testable import LoupeEval

struct EvaluationComparisonTests {
    static func entry(_ name: String, f1: Double, usd: Double) -> EvaluationComparison.Entry {
        .init(label: name, evaluation: Evaluation(task: .classification, model: name, source: "/runs/\(name)", data: "test split", examples: 100,
                                                  figures: ["macro_f1": f1, "usd_per_million": usd, "accuracy": f1], seed: 1))
    }

    @Test("the front holds the models no other beats on both; the recommendation names the cheapest within the tolerance")
    func frontAndRecommendation() {
        let c = EvaluationComparison([Self.entry("big", f1: 0.981, usd: 0.06), Self.entry("small", f1: 0.978, usd: 0.01),
                                      Self.entry("bad", f1: 0.90, usd: 0.02), Self.entry("tiny", f1: 0.95, usd: 0.005)])
        #expect(c.quality == "macro_f1" && c.cost == "usd_per_million")
        // "bad" costs more than "small" and is worse: dominated.
        #expect(c.front.map { c.entries[$0].label } == ["tiny", "small", "big"])
        #expect(c.recommendation.hasPrefix("The cheapest model within 0.005 of the best macro_f1 (big, 0.981) is small (macro_f1 0.978), 6.0× cheaper"))
        let strict = EvaluationComparison(c.entries, tolerance: 0.001)
        #expect(strict.recommendation.hasPrefix("big is the best on macro_f1"))
        let svg = c.paretoChart.svg
        #expect(SVGProbe.isWellFormed(svg) && svg.contains("Pareto front"))
    }

    @Test("perplexity: lower is better")
    func lowerIsBetter() {
        let lm = { (name: String, ppl: Double, usd: Double) in
            EvaluationComparison.Entry(label: name, evaluation: Evaluation(task: .languageModel, model: name, source: name, data: "t", examples: 1,
                                                                            figures: ["perplexity": ppl, "usd_per_million_generated_tokens": usd], seed: 0))
        }
        let c = EvaluationComparison([lm("q8", 10.0, 2), lm("q4", 10.004, 1), lm("q2", 14, 0.5)])
        #expect(c.quality == "perplexity" && !c.qualityIsHigherBetter)
        #expect(c.recommendation.contains("is q4"))
        #expect(c.front.count == 3)
    }
}

struct EvaluationRecordTests {
    @Test("an evaluation survives the store's JSON, verdict included, and its report draws every chart")
    func roundTripAndReport() throws {
        let metrics = try ClassificationMetrics(labels: [0, 1, 1, 0, 2], probabilities: [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.5, 0.4, 0.1],
                                                                                          [0.6, 0.3, 0.1], [0.1, 0.2, 0.7]])
        let curves = (0..<3).map { c in BinaryRanking.curves(scores: metrics.probabilities.map { $0[c] }, positive: metrics.labels.map { $0 == c }) }
        var evaluation = Evaluation(
            task: .classification, model: "m", source: "/runs/m/1", data: "test split", examples: 5, figures: metrics.figures,
            intervals: ["accuracy": .init(low: 0.4, high: 1)],
            classifier: ClassifierDetails(classNames: ["0", "1", "2"], perClass: metrics.perClass, confusion: metrics.confusion,
                                          calibration: metrics.calibration.bins, rocCurves: curves.map(\.roc), precisionRecallCurves: curves.map(\.precisionRecall),
                                          confusedPairs: FailureAnalysis.confusedPairs(metrics), confidentlyWrong: FailureAnalysis.confidentlyWrong(metrics)),
            seed: 3)
        evaluation.verdict = try Verdict([Requirement("accuracy >= 0.9")], figures: evaluation.figures)
        let decoded = try LoupeJSON.decoder().decode(Evaluation.self, from: LoupeJSON.encoder().encode(evaluation))
        #expect(decoded == evaluation && decoded.verdict?.passed == false)
        let html = EvaluationReport(evaluation).page.html
        for title in ["Confusion matrix", "Reliability diagram", "ROC curves", "Precision–recall curves", "FAIL"] { #expect(html.contains(title)) }
        #expect(EvaluationText(evaluation, style: TerminalStyle(isTerminal: false, environment: [:])).text.contains("FAIL  accuracy >= 0.9"))
    }

    @Test("ROC and precision–recall curves as scikit-learn traces them")
    func curves() {
        // scores 0.9 (pos), 0.8 (neg), 0.7 (pos), 0.1 (neg): roc_curve → (0,0) (0,.5) (.5,.5) (.5,1) (1,1).
        let c = BinaryRanking.curves(scores: [0.9, 0.8, 0.7, 0.1], positive: [true, false, true, false])
        #expect(c.roc.map(\.x) == [0, 0, 0.5, 0.5, 1] && c.roc.map(\.y) == [0, 0.5, 0.5, 1, 1])
        #expect(c.precisionRecall.map(\.y) == [1, 0.5, 2.0 / 3, 0.5])
    }

    @Test("latency percentiles are numpy's, and the price follows from the rate")
    func latencyAndPrice() {
        let l = LatencySummary(seconds: (1...100).map { Double($0) / 1000 })
        #expect(abs(l.p50Ms - 50.5) < 1e-9 && abs(l.p95Ms - 95.05) < 1e-9 && abs(l.p99Ms - 99.01) < 1e-9 && l.maxMs == 100)
        // 1,000 predictions a second on 2 cores at $0.045/core-hour: 1e6 s·core/1000·2/3600·0.045 = $0.025.
        #expect(abs(Pricing().usdPerMillion(secondsPerItem: 0.001, cores: 2) - 0.025) < 1e-12)
    }

    @Test("an energy counter that wrapped around is unwrapped; no counter, no figure")
    func energy() throws {
        #expect(EnergyMeter(root: "/nonexistent") == nil)
        let root = try temporaryDirectory()
        let package = root.appendingPathComponent("intel-rapl:0")
        try FileManager.default.createDirectory(at: package, withIntermediateDirectories: true)
        try "1000\n".write(to: package.appendingPathComponent("energy_uj"), atomically: true, encoding: .utf8)
        try "10000000\n".write(to: package.appendingPathComponent("max_energy_range_uj"), atomically: true, encoding: .utf8)
        let meter = try #require(EnergyMeter(root: root.path))
        #expect(meter.joules(from: [9_000_000], to: [1_000_000]) == 2)
        #expect(meter.sample() == [1000])
    }
}

struct EvaluationStoreTests {
    @Test("an evaluation is an eval run under its training run; a name or the training run finds the newest")
    func recordsAndResolves() throws {
        let store = try RunStore(path: temporaryDirectory().appendingPathComponent("s.sqlite").path)
        let training = try RunRecorder(store: store, info: store.newRun(name: "m", kind: .train, command: "loupe train m.toml"))
        try training.finish(.completed)
        var first = EvaluationComparisonTests.entry("m", f1: 0.9, usd: 1).evaluation
        first.trainingRunID = training.id
        first.createdAt = 1
        var second = first
        (second.figures["macro_f1"], second.createdAt) = (0.95, 2)
        second.verdict = try Verdict([Requirement("macro_f1 >= 0.99")], figures: second.figures)
        let a = try EvaluationStore.record(first, in: store, command: "loupe eval m")
        let b = try EvaluationStore.record(second, in: store, command: "loupe eval m")
        #expect(try store.run(a).parentID == training.id && store.run(a).kind == .eval && store.run(a).status == .completed)
        // A FAIL verdict is a failed eval run, so run lists show it.
        #expect(try store.run(b).status == .failed)
        #expect(try EvaluationStore.evaluations(ofTraining: training.id, in: store).map(\.id) == [b, a])
        #expect(try EvaluationStore.resolve(training.id, in: store).id == b)
        #expect(try EvaluationStore.resolve(a, in: store).evaluation == first)
        #expect(try store.scalars(b, key: "eval/macro_f1").first?.value == 0.95)
        #expect(throws: (any Error).self) { try EvaluationStore.resolve("nothing", in: store) }
    }
}
