import LoupeCore

/// Classification and regression metrics computed from predictions and targets.
public enum Metrics {
    /// Fraction of rows of logits [N, C] whose argmax equals the int64 label.
    public static func accuracy(logits: Tensor, labels: Tensor) throws -> Double {
        try topK(logits: logits, labels: labels, k: 1)
    }

    /// Fraction of rows whose label is among the `k` largest logits.
    public static func topK(logits: Tensor, labels: Tensor, k: Int) throws -> Double {
        let c = logits.shape.last ?? 0
        let values = try logits.reshaped([-1, c]).floats(), y = labels.ints()
        guard y.count * c == values.count, k >= 1 else {
            throw TensorError.shapeMismatch(op: "top-k accuracy", lhs: logits.shape, rhs: labels.shape,
                                            expected: "one label per row of logits, k ≥ 1")
        }
        guard !y.isEmpty else { return 0 }
        var hits = 0
        for (row, label) in y.enumerated() {
            let r = values[(row * c)..<((row + 1) * c)]
            let target = r[r.startIndex + label]
            // Rank = how many classes score strictly higher than the label.
            if r.filter({ $0 > target }).count < k { hits += 1 }
        }
        return Double(hits) / Double(y.count)
    }

    /// Confusion matrix: `m[true][predicted]` counts.
    public static func confusionMatrix(predicted: [Int], labels: [Int], classes: Int) -> [[Int]] {
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (p, t) in zip(predicted, labels) where (0..<classes).contains(p) && (0..<classes).contains(t) { m[t][p] += 1 }
        return m
    }

    /// Precision, recall and F1 per class, macro-averaged and micro-averaged.
    public struct ClassificationReport: Sendable, Equatable {
        public var precision: [Double], recall: [Double], f1: [Double]
        public var macroPrecision: Double, macroRecall: Double, macroF1: Double
        /// Micro averages equal accuracy for single-label classification.
        public var microPrecision: Double, microRecall: Double, microF1: Double
    }

    public static func classificationReport(predicted: [Int], labels: [Int], classes: Int) -> ClassificationReport {
        let m = confusionMatrix(predicted: predicted, labels: labels, classes: classes)
        func safe(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        var precision: [Double] = [], recall: [Double] = [], f1: [Double] = []
        var tpAll = 0.0, fpAll = 0.0, fnAll = 0.0
        for c in 0..<classes {
            let tp = Double(m[c][c])
            let fp = Double((0..<classes).map { m[$0][c] }.reduce(0, +)) - tp
            let fn = Double(m[c].reduce(0, +)) - tp
            let p = safe(tp, tp + fp), r = safe(tp, tp + fn)
            precision.append(p); recall.append(r); f1.append(safe(2 * p * r, p + r))
            tpAll += tp; fpAll += fp; fnAll += fn
        }
        let n = Double(max(classes, 1))
        let mp = safe(tpAll, tpAll + fpAll), mr = safe(tpAll, tpAll + fnAll)
        return ClassificationReport(precision: precision, recall: recall, f1: f1,
                                    macroPrecision: precision.reduce(0, +) / n, macroRecall: recall.reduce(0, +) / n,
                                    macroF1: f1.reduce(0, +) / n,
                                    microPrecision: mp, microRecall: mr, microF1: safe(2 * mp * mr, mp + mr))
    }

    /// Mean squared error.
    public static func mse(_ prediction: Tensor, _ target: Tensor) throws -> Double {
        let p = prediction.doubles(), t = target.doubles()
        guard p.count == t.count, !p.isEmpty else {
            throw TensorError.shapeMismatch(op: "mse", lhs: prediction.shape, rhs: target.shape, expected: "the same number of elements")
        }
        return zip(p, t).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(p.count)
    }

    /// Mean absolute error.
    public static func mae(_ prediction: Tensor, _ target: Tensor) throws -> Double {
        let p = prediction.doubles(), t = target.doubles()
        guard p.count == t.count, !p.isEmpty else {
            throw TensorError.shapeMismatch(op: "mae", lhs: prediction.shape, rhs: target.shape, expected: "the same number of elements")
        }
        return zip(p, t).map { Swift.abs($0 - $1) }.reduce(0, +) / Double(p.count)
    }

    /// Perplexity from a mean cross-entropy in nats.
    public static func perplexity(crossEntropy: Double) -> Double { exp(crossEntropy) }
}

import Foundation
