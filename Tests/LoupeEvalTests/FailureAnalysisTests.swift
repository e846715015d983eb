import LoupeTestSupport
import Testing
@testable import LoupeEval

struct FailureAnalysisTests {
    @Test func example() throws {
        // example: FailureAnalysis
        let metrics = try ClassificationMetrics(labels: [0, 0, 1, 2], probabilities: [[0.9, 0.1, 0], [0.2, 0.8, 0], [0.1, 0.9, 0], [0.7, 0.2, 0.1]])
        let pairs = FailureAnalysis.confusedPairs(metrics)          // 0 → 1 once, 2 → 0 once
        let worst = FailureAnalysis.confidentlyWrong(metrics, limit: 1)   // example 1: class 0 read as 1 at 0.8
        // end example
        #expect(pairs.map { [$0.trueClass, $0.predictedClass, $0.count] } == [[0, 1, 1], [2, 0, 1]])
        #expect(pairs[0].rate == 0.5 && pairs[1].rate == 1)
        #expect(worst == [FailureAnalysis.WrongExample(index: 1, trueClass: 0, predictedClass: 1, confidence: 0.8, trueClassProbability: 0.2)])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeEval/Classifiers/FailureAnalysis.swift", markedAs: "FailureAnalysis", in: #filePath) == nil)
    }

    @Test("the most frequent confusion comes first; the most confident mistakes in order")
    func ordering() throws {
        // True class 2 read as 1 three times, 0 read as 2 once; confidences 0.6, 0.9, 0.7, 0.5.
        let labels = [2, 2, 2, 0, 1]
        let rows: [[Double]] = [[0.1, 0.6, 0.3], [0.05, 0.9, 0.05], [0.2, 0.7, 0.1], [0.3, 0.2, 0.5], [0, 1, 0]]
        let metrics = try ClassificationMetrics(labels: labels, probabilities: rows)
        #expect(FailureAnalysis.confusedPairs(metrics).map(\.count) == [3, 1])
        #expect(FailureAnalysis.confusedPairs(metrics, limit: 1).count == 1)
        #expect(FailureAnalysis.confidentlyWrong(metrics).map(\.index) == [1, 2, 0, 3])
        #expect(FailureAnalysis.confidentlyWrong(metrics, limit: 0).isEmpty)
    }
}
