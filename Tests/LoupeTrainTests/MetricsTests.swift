import LoupeCore
import Testing
@testable import LoupeTrain

@Suite("Metrics")
struct MetricsTests {
    @Test("accuracy and top-k")
    func accuracy() throws {
        let logits = Tensor([0.1, 0.7, 0.2,  0.5, 0.3, 0.2,  0.2, 0.3, 0.5], shape: [3, 3])
        let labels = Tensor(indices: [1, 1, 0])
        #expect(try Metrics.accuracy(logits: logits, labels: labels) == 1.0 / 3)
        #expect(try Metrics.topK(logits: logits, labels: labels, k: 2) == 2.0 / 3)
        #expect(try Metrics.topK(logits: logits, labels: labels, k: 3) == 1)
    }

    @Test("confusion matrix, precision, recall, F1 (checked by hand)")
    func report() {
        // true:  0 0 1 1 1 2
        // pred:  0 1 1 1 2 2
        let predicted = [0, 1, 1, 1, 2, 2], labels = [0, 0, 1, 1, 1, 2]
        #expect(Metrics.confusionMatrix(predicted: predicted, labels: labels, classes: 3) == [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
        let r = Metrics.classificationReport(predicted: predicted, labels: labels, classes: 3)
        #expect(r.precision == [1, 2.0 / 3, 0.5])
        #expect(r.recall == [0.5, 2.0 / 3, 1])
        #expect(abs(r.f1[0] - 2.0 / 3) < 1e-12 && abs(r.f1[2] - 2.0 / 3) < 1e-12)
        #expect(abs(r.macroPrecision - (1 + 2.0 / 3 + 0.5) / 3) < 1e-12)
        #expect(abs(r.microF1 - 4.0 / 6) < 1e-12)  // micro-F1 = accuracy
    }

    @Test("regression metrics and perplexity")
    func regression() throws {
        let p = Tensor([1, 2, 3], shape: [3]), t = Tensor([1, 4, 0], shape: [3])
        #expect(try Metrics.mse(p, t) == 13.0 / 3)
        #expect(try Metrics.mae(p, t) == 5.0 / 3)
        #expect(abs(Metrics.perplexity(crossEntropy: log(65)) - 65) < 1e-9)
    }
}

import Foundation
