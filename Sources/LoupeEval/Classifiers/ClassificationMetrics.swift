import Foundation

/// How good a classifier's predicted probabilities are against the true labels: every figure of
/// scikit-learn's classification metrics, computed the same way (checked to 1e-6 against it by
/// `Tests/LoupeEvalTests`, fixtures from `scripts/fixtures/make_eval_fixtures.py`), and
/// calibration as torchmetrics defines it. `docs/EVALUATION.md` gives each formula.
///
/// ```swift
/// let metrics = try ClassificationMetrics(labels: [0, 1, 1], probabilities: [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
/// let accuracy = metrics.accuracy            // 2/3
/// let recall = metrics.perClass[1].recall     // 0.5
/// let auc = metrics.rocAUCMacro               // 1.0: every positive scores above every negative
/// ```
public struct ClassificationMetrics: Sendable, Equatable {
    /// One class's scores (scikit-learn's `precision_recall_fscore_support`, zero_division=0).
    public struct ClassScores: Codable, Sendable, Equatable {
        public let precision: Double, recall: Double, f1: Double
        /// Examples whose true label is this class.
        public let support: Int
    }

    /// Precision, recall and F1 averaged over classes.
    public struct Average: Codable, Sendable, Equatable {
        public let precision: Double, recall: Double, f1: Double
    }

    public let classes: Int
    public let count: Int
    /// The share of examples whose most probable class is the true one (ties go to the lower class).
    public let accuracy: Double
    /// `confusion[t][p]`: examples of true class t predicted as p.
    public let confusion: [[Int]]
    public let perClass: [ClassScores]
    /// The unweighted mean over classes (every class counts, also one absent from the labels).
    public let macro: Average
    /// From the totals of true and false positives and negatives (for single-label data all
    /// three equal the accuracy).
    public let micro: Average
    /// The mean over classes weighted by support.
    public let weighted: Average
    /// One-vs-rest ROC-AUC of each class's probability; nil for a class absent from the labels
    /// (or the only one present).
    public let rocAUC: [Double?]
    /// Their mean, nil unless every class has one.
    public let rocAUCMacro: Double?
    /// One-vs-rest average precision (the area under the precision–recall curve, without
    /// interpolation); nil where ``rocAUC`` is.
    public let averagePrecision: [Double?]
    public let averagePrecisionMacro: Double?
    /// The mean negative log probability of the true class, probabilities clipped to
    /// [ε, 1 − ε] with ε the Double epsilon (scikit-learn's `log_loss`).
    public let logLoss: Double
    /// The mean over examples of Σₖ (pₖ − yₖ)² against the one-hot label (twice scikit-learn's
    /// binary `brier_score_loss`, which scores the positive class alone).
    public let brier: Double
    public let calibration: Calibration

    /// What was scored (for ``topK(_:)`` and ``FailureAnalysis``).
    let probabilities: [[Double]]
    let labels: [Int]

    /// - Parameters:
    ///   - labels: the true class of each example, in `0..<K`.
    ///   - probabilities: one row of K class probabilities per example (a softmax output: each
    ///     finite, in [0, 1], summing to 1 within 1e-3).
    /// - Throws: ``EvalError`` naming the first example that cannot be scored.
    public init(labels: [Int], probabilities: [[Double]]) throws(EvalError) {
        guard !labels.isEmpty else { throw .empty(what: "examples") }
        guard probabilities.count == labels.count else {
            throw .countMismatch(what: "probability rows (one per label)", expected: labels.count, found: probabilities.count)
        }
        let k = probabilities[0].count
        guard k >= 2 else { throw .invalidValue(what: "probabilities", index: 0, value: "\(k) classes", expected: "at least 2 classes") }
        for (i, row) in probabilities.enumerated() {
            guard row.count == k else { throw .countMismatch(what: "probabilities[\(i)] (classes)", expected: k, found: row.count) }
            guard row.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }), abs(row.reduce(0, +) - 1) <= 1e-3 else {
                throw .invalidValue(what: "probabilities", index: i, value: "\(row)", expected: "finite probabilities in [0, 1] summing to 1")
            }
            guard (0..<k).contains(labels[i]) else {
                throw .invalidValue(what: "labels", index: i, value: "\(labels[i])", expected: "a class in 0..<\(k)")
            }
        }
        self.labels = labels
        self.probabilities = probabilities
        classes = k
        count = labels.count
        let predicted = probabilities.map(Self.argmax)

        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        for (t, p) in zip(labels, predicted) { confusion[t][p] += 1 }
        self.confusion = confusion
        let correct = (0..<k).map { confusion[$0][$0] }.reduce(0, +)
        accuracy = Double(correct) / Double(count)

        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
        func f1(_ p: Double, _ r: Double) -> Double { p + r == 0 ? 0 : 2 * p * r / (p + r) }
        var scores: [ClassScores] = []
        var totalTP = 0, totalFP = 0, totalFN = 0
        for c in 0..<k {
            let tp = confusion[c][c]
            let fp = (0..<k).map { confusion[$0][c] }.reduce(0, +) - tp
            let support = confusion[c].reduce(0, +)
            let fn = support - tp
            let p = ratio(tp, tp + fp), r = ratio(tp, support)
            scores.append(ClassScores(precision: p, recall: r, f1: f1(p, r), support: support))
            (totalTP, totalFP, totalFN) = (totalTP + tp, totalFP + fp, totalFN + fn)
        }
        perClass = scores
        func mean(_ values: [Double], weights: [Double]? = nil) -> Double {
            let w = weights ?? [Double](repeating: 1, count: values.count)
            let total = w.reduce(0, +)
            return total == 0 ? 0 : zip(values, w).map { $0 * $1 }.reduce(0, +) / total
        }
        macro = Average(precision: mean(scores.map(\.precision)), recall: mean(scores.map(\.recall)), f1: mean(scores.map(\.f1)))
        let support = scores.map { Double($0.support) }
        weighted = Average(precision: mean(scores.map(\.precision), weights: support), recall: mean(scores.map(\.recall), weights: support),
                           f1: mean(scores.map(\.f1), weights: support))
        let microP = ratio(totalTP, totalTP + totalFP), microR = ratio(totalTP, totalTP + totalFN)
        micro = Average(precision: microP, recall: microR, f1: f1(microP, microR))

        var aucs: [Double?] = [], aps: [Double?] = []
        for c in 0..<k {
            let column = probabilities.map { $0[c] }, positive = labels.map { $0 == c }
            aucs.append(BinaryRanking.rocAUC(scores: column, positive: positive))
            aps.append(BinaryRanking.averagePrecision(scores: column, positive: positive))
        }
        rocAUC = aucs
        averagePrecision = aps
        rocAUCMacro = aucs.contains(where: { $0 == nil }) ? nil : aucs.map { $0! }.reduce(0, +) / Double(k)
        averagePrecisionMacro = aps.contains(where: { $0 == nil }) ? nil : aps.map { $0! }.reduce(0, +) / Double(k)

        let epsilon = Double.ulpOfOne
        logLoss = zip(labels, probabilities).map { -Foundation.log(min(max($1[$0], epsilon), 1 - epsilon)) }.reduce(0, +) / Double(count)
        brier = zip(labels, probabilities).map { label, row in
            row.enumerated().map { c, p in (p - (c == label ? 1 : 0)) * (p - (c == label ? 1 : 0)) }.reduce(0, +)
        }.reduce(0, +) / Double(count)
        calibration = Calibration(confidences: probabilities.map { $0.max()! }, correct: zip(labels, predicted).map { $0 == $1 })
    }

    /// The share of examples whose true class is among the `k` most probable (a class tied with
    /// the true one's probability does not push it out, as in scikit-learn's
    /// `top_k_accuracy_score` for distinct scores).
    public func topK(_ k: Int) -> Double {
        let hits = zip(labels, probabilities).filter { label, row in
            row.lazy.filter { $0 > row[label] }.count < k
        }.count
        return Double(hits) / Double(count)
    }

    /// Every figure by the name a ``Requirement`` gives it: `accuracy`, `top_2_accuracy`,
    /// `macro_f1` (and `_precision`, `_recall`, for `macro`, `micro`, `weighted`), per class
    /// `precision[class=K]`, `recall[class=K]`, `f1[class=K]`, `roc_auc[class=K]`,
    /// `average_precision[class=K]`, and `roc_auc_macro`, `average_precision_macro`, `log_loss`,
    /// `brier`, `ece`, `mce`. Figures that are undefined (a class absent from the labels) are left out.
    public var figures: [String: Double] {
        var f: [String: Double] = ["accuracy": accuracy, "log_loss": logLoss, "brier": brier,
                                   "ece": calibration.expectedError, "mce": calibration.maximumError]
        if classes > 2 { f["top_2_accuracy"] = topK(2) }
        for (name, average) in [("macro", macro), ("micro", micro), ("weighted", weighted)] {
            f["\(name)_precision"] = average.precision
            f["\(name)_recall"] = average.recall
            f["\(name)_f1"] = average.f1
        }
        for (k, scores) in perClass.enumerated() {
            f["precision[class=\(k)]"] = scores.precision
            f["recall[class=\(k)]"] = scores.recall
            f["f1[class=\(k)]"] = scores.f1
            f["roc_auc[class=\(k)]"] = rocAUC[k]
            f["average_precision[class=\(k)]"] = averagePrecision[k]
        }
        f["roc_auc_macro"] = rocAUCMacro
        f["average_precision_macro"] = averagePrecisionMacro
        return f
    }

    /// The first index of the largest value (numpy's `argmax`).
    public static func argmax(_ row: [Double]) -> Int {
        var best = 0
        for i in row.indices where row[i] > row[best] { best = i }
        return best
    }
}

/// How far a classifier's confidence is from its accuracy: the top-1 probability of each example,
/// in 15 equal-width bins over [0, 1] (bin b holds [b/15, (b+1)/15), the last also 1.0), as
/// torchmetrics' `MulticlassCalibrationError` bins them.
public struct Calibration: Sendable, Equatable {
    /// One bin of the reliability diagram.
    public struct Bin: Codable, Sendable, Equatable {
        public let lower: Double, upper: Double
        public let count: Int
        /// Mean confidence and accuracy of the examples in it (0 when empty).
        public let confidence: Double, accuracy: Double
    }

    public static let binCount = 15
    public let bins: [Bin]
    /// Expected calibration error: Σ_b (n_b / N) · |accuracy_b − confidence_b|.
    public let expectedError: Double
    /// Maximum calibration error: the largest |accuracy_b − confidence_b| over non-empty bins.
    public let maximumError: Double

    init(confidences: [Double], correct: [Bool]) {
        let n = Self.binCount
        var counts = [Int](repeating: 0, count: n), confidence = [Double](repeating: 0, count: n), hits = [Double](repeating: 0, count: n)
        for (c, ok) in zip(confidences, correct) {
            let b = min(Int(c * Double(n)), n - 1)
            counts[b] += 1
            confidence[b] += c
            hits[b] += ok ? 1 : 0
        }
        bins = (0..<n).map { (b: Int) -> Bin in
            let size = Double(max(counts[b], 1))
            return Bin(lower: Double(b) / Double(n), upper: Double(b + 1) / Double(n), count: counts[b],
                       confidence: confidence[b] / size, accuracy: hits[b] / size)
        }
        let total = Double(confidences.count)
        let gaps = bins.filter { $0.count > 0 }.map { (weight: Double($0.count) / total, gap: abs($0.accuracy - $0.confidence)) }
        expectedError = gaps.map { $0.weight * $0.gap }.reduce(0, +)
        maximumError = gaps.map(\.gap).max() ?? 0
    }
}
