/// Where a classifier fails: the class pairs it confuses most and the examples it is most
/// confidently wrong about (the first to look at for a mislabelled example or a blind spot).
///
/// ```swift
/// let metrics = try ClassificationMetrics(labels: [0, 0, 1, 2], probabilities: [[0.9, 0.1, 0], [0.2, 0.8, 0], [0.1, 0.9, 0], [0.7, 0.2, 0.1]])
/// let pairs = FailureAnalysis.confusedPairs(metrics)          // 0 → 1 once, 2 → 0 once
/// let worst = FailureAnalysis.confidentlyWrong(metrics, limit: 1)   // example 1: class 0 read as 1 at 0.8
/// ```
public enum FailureAnalysis {
    /// Off-diagonal cells of the confusion matrix.
    public struct ConfusedPair: Codable, Sendable, Equatable {
        public let trueClass: Int, predictedClass: Int
        public let count: Int
        /// The share of the true class's examples that went this way.
        public let rate: Double
    }

    /// A misclassified example.
    public struct WrongExample: Codable, Sendable, Equatable {
        /// Its position in the evaluated split.
        public let index: Int
        public let trueClass: Int, predictedClass: Int
        /// The probability the model gave its (wrong) prediction.
        public let confidence: Double
        /// The probability it gave the true class.
        public let trueClassProbability: Double
    }

    /// The most frequent confusions, most first (ties: by true, then predicted class).
    public static func confusedPairs(_ metrics: ClassificationMetrics, limit: Int = 10) -> [ConfusedPair] {
        var pairs: [ConfusedPair] = []
        for t in 0..<metrics.classes {
            let support = metrics.confusion[t].reduce(0, +)
            for p in 0..<metrics.classes where p != t && metrics.confusion[t][p] > 0 {
                pairs.append(ConfusedPair(trueClass: t, predictedClass: p, count: metrics.confusion[t][p],
                                          rate: Double(metrics.confusion[t][p]) / Double(support)))
            }
        }
        return Array(pairs.sorted { ($1.count, $0.trueClass, $0.predictedClass) < ($0.count, $1.trueClass, $1.predictedClass) }
            .prefix(max(limit, 0)))
    }

    /// The wrong predictions made with the most confidence, most first (ties: by index).
    public static func confidentlyWrong(_ metrics: ClassificationMetrics, limit: Int = 16) -> [WrongExample] {
        var wrong: [WrongExample] = []
        for (i, (label, row)) in zip(metrics.labels, metrics.probabilities).enumerated() {
            let predicted = ClassificationMetrics.argmax(row)
            guard predicted != label else { continue }
            wrong.append(WrongExample(index: i, trueClass: label, predictedClass: predicted, confidence: row[predicted],
                                      trueClassProbability: row[label]))
        }
        return Array(wrong.sorted { ($1.confidence, $0.index) < ($0.confidence, $1.index) }.prefix(max(limit, 0)))
    }
}
