import Foundation

/// One evaluation of a model: what was scored, every figure, the details the report draws, the
/// cost and the verdict. It is what `loupe eval` and `loupe eval-lm` print with `--json`, store in
/// the run store (a record of kind ``recordKind`` on a run of kind `eval` whose parent is the
/// evaluated training run), and what `loupe compare` and the dashboard read back.
public struct Evaluation: Codable, Sendable, Equatable {
    public static let recordKind = "evaluation"

    /// What kind of model was scored.
    public enum Task: String, Codable, Sendable {
        case classification, regression
        case languageModel = "language_model"
    }

    /// A 95% confidence interval.
    public struct Interval: Codable, Sendable, Equatable {
        public var low: Double, high: Double
        public init(low: Double, high: Double) { (self.low, self.high) = (low, high) }
    }

    public var task: Task
    /// The model's name: the training run's name, or the model file's.
    public var model: String
    /// The training run's folder, or the model file.
    public var source: String
    /// The evaluated training run's id in the run store, when it has one.
    public var trainingRunID: String?
    /// The split scored (test, validation, train), or the data/text file.
    public var data: String
    public var checkpoint: String?
    /// Examples (classifiers, regressors) or scored tokens (language models).
    public var examples: Int
    /// Every figure by name: quality and cost; what requirements and comparisons name.
    public var figures: [String: Double]
    /// Bootstrap intervals of the headline figures, by figure name.
    public var intervals: [String: Interval]
    public var classifier: ClassifierDetails?
    public var languageModel: LanguageModelDetails?
    public var cost: InferenceCost?
    public var verdict: Verdict?
    public var seed: UInt64
    /// Seconds since 1970.
    public var createdAt: Double

    public init(task: Task, model: String, source: String, trainingRunID: String? = nil, data: String, checkpoint: String? = nil,
                examples: Int, figures: [String: Double], intervals: [String: Interval] = [:], classifier: ClassifierDetails? = nil,
                languageModel: LanguageModelDetails? = nil, cost: InferenceCost? = nil, verdict: Verdict? = nil, seed: UInt64,
                createdAt: Double = Date().timeIntervalSince1970) {
        (self.task, self.model, self.source, self.trainingRunID, self.data, self.checkpoint) = (task, model, source, trainingRunID, data, checkpoint)
        (self.examples, self.figures, self.intervals, self.classifier, self.languageModel) = (examples, figures, intervals, classifier, languageModel)
        (self.cost, self.verdict, self.seed, self.createdAt) = (cost, verdict, seed, createdAt)
    }

    /// The headline quality figure and its name: macro F1, R², or perplexity.
    public var headline: (name: String, value: Double)? {
        for name in ["macro_f1", "r2", "perplexity", "acc_norm"] { if let v = figures[name] { return (name, v) } }
        return nil
    }
}

/// What the report draws for a classifier.
public struct ClassifierDetails: Codable, Sendable, Equatable {
    public var classNames: [String]
    public var perClass: [ClassificationMetrics.ClassScores]
    /// confusion[true][predicted].
    public var confusion: [[Int]]
    public var calibration: [Calibration.Bin]
    /// One-vs-rest ROC and precision–recall curves per class (empty for a class absent from the data).
    public var rocCurves: [[CurvePoint]]
    public var precisionRecallCurves: [[CurvePoint]]
    public var confusedPairs: [FailureAnalysis.ConfusedPair]
    public var confidentlyWrong: [FailureAnalysis.WrongExample]
    /// Examples the training debugger flagged as possibly mislabelled, when it ran on this run.
    public var suspectLabels: [Int]?
    /// The file (SVG) showing the most confidently wrong examples, for image data.
    public var wrongExamplesImage: String?
}

/// What an `eval-lm` measured.
public struct LanguageModelDetails: Codable, Sendable, Equatable {
    public var perplexity: PerplexityReport?
    public var slidingWindow: PerplexityReport?
    public var klDivergence: KLDivergenceReport?
    public var multipleChoice: MultipleChoiceReport?
    public var multipleChoiceTask: String?
    public var speed: LanguageModelSpeed?

    public init() {}
}
