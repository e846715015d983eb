import LoupeNN
import LoupeTrain

/// The fixed vocabulary of problems the debugger reports (the JSON field `kind`).
public enum FindingKind: String, Codable, CaseIterable, Sendable {
    case nanInf = "nan_inf"
    case explodingGradients = "exploding_gradients"
    case vanishingGradients = "vanishing_gradients"
    case deadReLU = "dead_relu"
    case saturatedActivations = "saturated_activations"
    case lrTooHigh = "lr_too_high"
    case lrTooLow = "lr_too_low"
    case lossOscillating = "loss_oscillating"
    case lossNotDecreasing = "loss_not_decreasing"
    case overfitting
    case unnormalizedInputs = "unnormalized_inputs"
    case labelNoise = "label_noise"
    case unshuffledData = "unshuffled_data"
    case doubleSoftmax = "double_softmax"
    /// LLM fine-tunes: the probe text degrades far more than the task improves.
    case catastrophicForgetting = "catastrophic_forgetting"
    /// LLM fine-tunes: examples with nothing supervised.
    case labelMaskEmpty = "label_mask_empty"
    /// LLM fine-tunes: conversations read as plain text (their prompts and markup learned).
    case templateMismatch = "template_mismatch"
    /// Data-parallel runs: one rank consistently slower than the others.
    case straggler
    /// Data-parallel runs: the ranks' weights drifted apart.
    case rankDesync = "rank_desync"
    /// Data-parallel runs: parameters no rank ever got a gradient for.
    case parametersWithoutGradient = "parameters_without_gradient"
    /// Nothing is wrong.
    case healthy
}

extension FindingKind {
    /// Kinds only a data-parallel run shows (its ranks' telemetry): `scripts/distributed-tests.sh`
    /// injects them under mpirun, where the one-process suite in `examples/faults/` cannot.
    public static let needingRanks: Set<FindingKind> = [.straggler, .rankDesync, .parametersWithoutGradient]
}

/// How much a finding matters: `error` breaks the run, `warning` costs accuracy or time, `info` is
/// worth knowing.
public enum Severity: String, Codable, Comparable, Sendable {
    case info, warning, error

    var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A change to a run file that addresses a finding; `--fix` applies the first one that changes
/// something.
public enum FixAction: Codable, Equatable, Sendable {
    /// Multiply `train.lr` by this factor.
    case scaleLearningRate(Double)
    /// Set `train.grad_clip`.
    case clipGradients(Double)
    /// Use He (ReLU-family) / Xavier (others) initialization: drop `init` and `bias_init` overrides.
    case defaultInitialization
    /// Replace every hidden activation of the `from` kinds with `to`.
    case replaceActivation(from: [ActivationKind], to: ActivationKind)
    /// Set `data.normalize = "standard"` and `data.input_scale = 1`.
    case normalizeInputs
    /// Insert a BatchNorm after each hidden linear/conv layer.
    case addBatchNorm
    /// Switch the optimizer (keeping the learning rate sensible for it).
    case switchOptimizer(OptimizerSpec, lr: Double)
    /// Set `train.weight_decay`.
    case weightDecay(Double)
    /// Set `train.early_stopping_patience`.
    case earlyStopping(patience: Int)
    /// Set the dropout rate of every dropout layer (adding one before the output layer if none).
    case dropout(Double)
    /// Set `data.shuffle = true`.
    case shuffle
    /// Remove a softmax output activation (cross-entropy already applies log-softmax).
    case removeOutputSoftmax
    /// Drop training examples whose label the model confidently disagrees with.
    case dropSuspectLabels
    /// Set `train.label_smoothing`.
    case labelSmoothing(Double)
    /// Set `lora.rank`.
    case loraRank(Int)
    /// Read a `text:PATH` dataset as conversations (`chat:PATH`).
    case readAsChat
}

extension FixAction {
    var isLearningRateScale: Bool {
        if case .scaleLearningRate = self { return true }
        return false
    }
}

/// One ranked remedy for a finding.
public struct SuggestedFix: Codable, Equatable, Sendable {
    /// What to do, in words ("Lower the learning rate 10× (0.5 → 0.05)").
    public var description: String
    /// The run-file change `--fix` makes, when it can make one.
    public var action: FixAction?

    public init(_ description: String, action: FixAction? = nil) {
        (self.description, self.action) = (description, action)
    }
}

/// A diagnosed problem with the evidence for it.
public struct Finding: Codable, Equatable, Sendable {
    public var kind: FindingKind
    public var severity: Severity
    /// 0...1: how sure the rule is, given how far past its threshold the evidence lies.
    public var confidence: Double
    /// The first optimizer step at which the evidence appeared.
    public var firstStep: Int?
    /// Module paths concerned (e.g. "layers.0"), most affected first.
    public var layers: [String]
    /// The numbers that triggered the finding.
    public var evidence: [String: Double]
    /// What is wrong and why, in plain words.
    public var explanation: String
    /// Remedies, most likely to help first.
    public var fixes: [SuggestedFix]

    public init(kind: FindingKind, severity: Severity, confidence: Double, firstStep: Int? = nil, layers: [String] = [],
                evidence: [String: Double] = [:], explanation: String, fixes: [SuggestedFix] = []) {
        self.kind = kind
        self.severity = severity
        self.confidence = min(max(confidence, 0), 1)
        self.firstStep = firstStep
        self.layers = layers
        self.evidence = evidence
        self.explanation = explanation
        self.fixes = fixes
    }

    enum CodingKeys: String, CodingKey {
        case kind, severity, confidence, firstStep = "first_step", layers, evidence, explanation, fixes
    }
}
