import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeEval

/// Every metric against scikit-learn on the same predictions, to 1e-6 (fixtures written by
/// `scripts/fixtures/make_eval_fixtures.py`; no Python needed here).
struct SklearnAgreementTests {
    struct Fixture: Decodable {
        struct ClassificationCase: Decodable {
            struct Expected: Decodable {
                let accuracy: Double
                let top_2_accuracy: Double?
                let confusion: [[Int]]
                let precision: [Double], recall: [Double], f1: [Double], support: [Int]
                let precision_macro: Double, recall_macro: Double, f1_macro: Double
                let precision_micro: Double, recall_micro: Double, f1_micro: Double
                let precision_weighted: Double, recall_weighted: Double, f1_weighted: Double
                let roc_auc: [Double?], roc_auc_macro: Double?
                let average_precision: [Double?], average_precision_macro: Double?
                let log_loss: Double, brier: Double, ece: Double, mce: Double
            }
            let name: String
            let classes: Int
            let labels: [Int]
            let probabilities: [[Double]]
            let expected: Expected
        }
        struct RegressionCase: Decodable {
            struct Expected: Decodable { let mae: Double, rmse: Double, r2: Double }
            let name: String
            let targets: [Double], predictions: [Double]
            let expected: Expected
        }
        let generator: String
        let classification: [ClassificationCase]
        let regression: [RegressionCase]
    }

    static let fixture: Fixture = {
        let url = Bundle.module.url(forResource: "Fixtures/sklearn_metrics", withExtension: "json")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    static func close(_ a: Double?, _ b: Double?, _ what: String, _ name: String) {
        switch (a, b) {
        case (nil, nil): break
        case let (a?, b?): #expect(abs(a - b) <= 1e-6, "\(name): \(what) \(a) vs scikit-learn's \(b)")
        default: Issue.record("\(name): \(what) \(String(describing: a)) vs scikit-learn's \(String(describing: b))")
        }
    }

    @Test(arguments: fixture.classification.map(\.name))
    func classification(name: String) throws {
        let c = try #require(Self.fixture.classification.first { $0.name == name })
        let m = try ClassificationMetrics(labels: c.labels, probabilities: c.probabilities)
        let e = c.expected
        #expect(m.classes == c.classes && m.confusion == e.confusion)
        #expect(m.perClass.map(\.support) == e.support)
        Self.close(m.accuracy, e.accuracy, "accuracy", name)
        if let top2 = e.top_2_accuracy { Self.close(m.topK(2), top2, "top-2 accuracy", name) }
        for k in 0..<c.classes {
            Self.close(m.perClass[k].precision, e.precision[k], "precision[\(k)]", name)
            Self.close(m.perClass[k].recall, e.recall[k], "recall[\(k)]", name)
            Self.close(m.perClass[k].f1, e.f1[k], "f1[\(k)]", name)
            Self.close(m.rocAUC[k], e.roc_auc[k], "roc_auc[\(k)]", name)
            Self.close(m.averagePrecision[k], e.average_precision[k], "average_precision[\(k)]", name)
        }
        for (average, got, want) in [("macro", m.macro, (e.precision_macro, e.recall_macro, e.f1_macro)),
                                     ("micro", m.micro, (e.precision_micro, e.recall_micro, e.f1_micro)),
                                     ("weighted", m.weighted, (e.precision_weighted, e.recall_weighted, e.f1_weighted))] {
            Self.close(got.precision, want.0, "precision_\(average)", name)
            Self.close(got.recall, want.1, "recall_\(average)", name)
            Self.close(got.f1, want.2, "f1_\(average)", name)
        }
        Self.close(m.rocAUCMacro, e.roc_auc_macro, "roc_auc_macro", name)
        Self.close(m.averagePrecisionMacro, e.average_precision_macro, "average_precision_macro", name)
        Self.close(m.logLoss, e.log_loss, "log_loss", name)
        Self.close(m.brier, e.brier, "brier", name)
        Self.close(m.calibration.expectedError, e.ece, "ece", name)
        Self.close(m.calibration.maximumError, e.mce, "mce", name)
        #expect(m.calibration.bins.map(\.count).reduce(0, +) == c.labels.count)
    }

    @Test(arguments: fixture.regression.map(\.name))
    func regression(name: String) throws {
        let c = try #require(Self.fixture.regression.first { $0.name == name })
        let m = try RegressionMetrics(targets: c.targets, predictions: c.predictions)
        Self.close(m.meanAbsoluteError, c.expected.mae, "mae", name)
        Self.close(m.rootMeanSquaredError, c.expected.rmse, "rmse", name)
        Self.close(m.r2, c.expected.r2, "r2", name)
    }

    @Test("bad predictions are errors naming the example")
    func badInput() throws {
        #expect(throws: EvalError.empty(what: "examples")) { try ClassificationMetrics(labels: [], probabilities: []) }
        #expect(throws: EvalError.countMismatch(what: "probability rows (one per label)", expected: 2, found: 1)) {
            try ClassificationMetrics(labels: [0, 1], probabilities: [[1, 0]])
        }
        #expect(throws: EvalError.self) { try ClassificationMetrics(labels: [0, 2], probabilities: [[1, 0], [0, 1]]) }
        #expect(throws: EvalError.self) { try ClassificationMetrics(labels: [0], probabilities: [[.nan, 1]]) }
        #expect(throws: EvalError.self) { try ClassificationMetrics(labels: [0], probabilities: [[0.9, 0.9]]) }
        #expect(throws: EvalError.invalidValue(what: "predictions", index: 1, value: "inf", expected: "a finite number")) {
            try RegressionMetrics(targets: [1, 2], predictions: [1, .infinity])
        }
        #expect(try RegressionMetrics(targets: [2, 2], predictions: [2, 2]).r2 == 1)
        #expect(try RegressionMetrics(targets: [2, 2], predictions: [2, 3]).r2 == 0)
    }

    @Test func classificationExample() throws {
        // example: ClassificationMetrics
        let metrics = try ClassificationMetrics(labels: [0, 1, 1], probabilities: [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
        let accuracy = metrics.accuracy            // 2/3
        let recall = metrics.perClass[1].recall     // 0.5
        let auc = metrics.rocAUCMacro               // 1.0: every positive scores above every negative
        // end example
        #expect(abs(accuracy - 2.0 / 3) < 1e-12 && recall == 0.5 && auc == 1)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeEval/Classifiers/ClassificationMetrics.swift", markedAs: "ClassificationMetrics", in: #filePath) == nil)
    }

    @Test func regressionExample() throws {
        // example: RegressionMetrics
        let metrics = try RegressionMetrics(targets: [1, 2, 3], predictions: [1, 2, 4])
        let mae = metrics.meanAbsoluteError   // 1/3
        let r2 = metrics.r2                   // 0.5
        // end example
        #expect(abs(mae - 1.0 / 3) < 1e-12 && r2 == 0.5)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeEval/Classifiers/RegressionMetrics.swift", markedAs: "RegressionMetrics", in: #filePath) == nil)
    }
}
