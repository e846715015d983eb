/// Everything the health monitor recorded during a run, column by column so it stays compact
/// (`runs/<name>/health.json`). The diagnosis rules and the reports read only this, so a run can
/// be diagnosed again, or reported on, without training it again.
public struct Telemetry: Codable, Sendable {
    /// Loss, learning rate and global gradient norm at every optimizer step (index = step - 1).
    public var loss: [Float] = []
    public var learningRate: [Float] = []
    /// The steps at which per-layer statistics were sampled (the cadence adapts: every step early,
    /// then every `interval`).
    public var sampledSteps: [Int] = []
    /// Per-layer series, columns aligned with `sampledSteps` (NaN where a value was not measured).
    public var layers: [LayerSeries] = []
    public var epochs: [EpochRecord] = []
    /// Activation histograms per activation layer, at the first and the last sampled step.
    public var histograms: [ActivationHistogram] = []
    /// Weight and gradient histograms per parameter layer, a time series: every 5th sampled step
    /// from the first, thinned to every other one (and the interval doubled) whenever a layer would
    /// have more than `HealthMonitor.Options.parameterHistogramsPerLayer`. Empty in telemetry
    /// written before they were recorded.
    public var parameterHistograms: [ParameterHistogram] = []
    /// The first op that produced NaN or infinity (when found).
    public var nonFinite: NonFiniteEvent?
    public var data = DataProfile()
    public var model = ModelProfile()
    /// Classification runs: how the final model does on a sample of the training set, for the
    /// label-noise check.
    public var labelAudit: LabelAudit?
    /// Why training ended early, if it did (early stopping, a non-finite loss).
    public var stopReason: String?
    /// A fine-tune of an LLM: its loss mask, adapters and forgetting probe (``FineTuneMonitor``).
    public var fineTune: FineTuneTelemetry?
    /// A data-parallel run: what its ranks measured and found (``RankTelemetry``).
    public var ranks: RankTelemetry?

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        loss = try c.decode([Float].self, forKey: .loss)
        learningRate = try c.decode([Float].self, forKey: .learningRate)
        sampledSteps = try c.decode([Int].self, forKey: .sampledSteps)
        layers = try c.decode([LayerSeries].self, forKey: .layers)
        epochs = try c.decode([EpochRecord].self, forKey: .epochs)
        histograms = try c.decode([ActivationHistogram].self, forKey: .histograms)
        // Added later: older health.json files have none.
        parameterHistograms = try c.decodeIfPresent([ParameterHistogram].self, forKey: .parameterHistograms) ?? []
        nonFinite = try c.decodeIfPresent(NonFiniteEvent.self, forKey: .nonFinite)
        data = try c.decode(DataProfile.self, forKey: .data)
        model = try c.decode(ModelProfile.self, forKey: .model)
        labelAudit = try c.decodeIfPresent(LabelAudit.self, forKey: .labelAudit)
        stopReason = try c.decodeIfPresent(String.self, forKey: .stopReason)
        fineTune = try c.decodeIfPresent(FineTuneTelemetry.self, forKey: .fineTune)
        ranks = try c.decodeIfPresent(RankTelemetry.self, forKey: .ranks)
    }

    /// The series for `path` (and, for activations, `op`: an LSTM has sigmoid and tanh series),
    /// created on first use.
    mutating func layerIndex(_ path: String, kind: LayerSeries.Kind, op: String = "") -> Int {
        if let i = layers.firstIndex(where: { $0.path == path && $0.kind == kind && (kind == .parameters || $0.op == op) }) { return i }
        var series = LayerSeries(path: path, kind: kind)
        series.op = op
        layers.append(series)
        return layers.count - 1
    }
}

/// One layer's statistics over the sampled steps.
public struct LayerSeries: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// A layer with parameters: gradient and weight statistics.
        case parameters
        /// An activation function: statistics of its output (and pre-activation saturation).
        case activation
    }
    public var path: String
    public var kind: Kind
    /// For activations: the op (relu, sigmoid, tanh, gelu, softmax, ...); for parameter layers:
    /// the module type (Linear, Conv2d, ...).
    public var op = ""
    // Parameter layers.
    public var gradNorm: [Float] = []
    public var gradMax: [Float] = []
    public var weightNorm: [Float] = []
    /// ‖Δw‖/‖w‖ of the step actually taken (optimizer, clipping and schedule included).
    public var updateRatio: [Float] = []
    /// Fraction of weight-gradient entries exactly zero.
    public var zeroGradFraction: [Float] = []
    // Activation layers.
    public var mean: [Float] = []
    public var std: [Float] = []
    public var min: [Float] = []
    public var max: [Float] = []
    /// Fraction of outputs exactly zero (dead units for ReLU-like activations).
    public var zeroFraction: [Float] = []
    /// Fraction of pre-activations with |x| ≥ 5 (sigmoid/tanh saturation).
    public var saturatedFraction: [Float] = []
    /// Per unit (last axis) over the batch: fraction of units that were zero for every example.
    public var deadUnitFraction: [Float] = []

    public init(path: String, kind: Kind) { (self.path, self.kind) = (path, kind) }
}

/// One epoch as the trainer logged it.
public struct EpochRecord: Codable, Sendable {
    public var epoch: Int
    public var step: Int
    public var trainLoss: Double
    public var validation: [String: Double]?
    /// Loss and accuracy on a fixed sample of the training set in evaluation mode (classification).
    public var trainSample: [String: Double]?
    public var learningRate: Double
}

/// Histogram of one activation layer's outputs at one step.
public struct ActivationHistogram: Codable, Sendable {
    public var path: String
    public var op: String
    public var step: Int
    public var lower: Float
    public var upper: Float
    public var counts: [Int]
}

/// Histogram of one parameter layer's weights, or of their gradients (before clipping), at one
/// step: all the layer's parameter tensors together (a Linear's weight and bias), in
/// `HealthMonitor.Options.histogramBins` equal-width buckets over the finite values (see
/// `ValueHistogram`; NaN and ±∞ are left out and counted in `nonFinite`).
public struct ParameterHistogram: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case weights, gradients
    }
    public var path: String
    public var kind: Kind
    public var step: Int
    /// The smallest and largest finite value (`upper` is `lower + 1` when they are equal).
    public var lower: Float
    public var upper: Float
    public var counts: [Int]
    public var nonFinite: Int
    /// Sum and sum of squares of the finite values.
    public var sum: Double
    public var sumOfSquares: Double
}

/// Where NaN or infinity first appeared.
public struct NonFiniteEvent: Codable, Sendable {
    public enum Phase: String, Codable, Sendable { case initialization, data, forward, backward, update }
    public var phase: Phase
    public var step: Int
    public var op: String
    public var modulePath: String?
    /// Statistics of the op's inputs (forward) or of its output gradient and inputs (backward).
    public var inputs: [TensorSummary]
    public var output: TensorSummary?
}

/// A tensor reduced to a few numbers, for evidence.
public struct TensorSummary: Codable, Sendable {
    public var shape: [Int]
    public var mean: Double?
    public var std: Double?
    public var min: Double?
    public var max: Double?
    public var nonFinite: Int
}

/// What the monitor saw of the data.
public struct DataProfile: Codable, Sendable {
    /// Input statistics over the first batches (float inputs only).
    public var inputMean: Double?
    public var inputStd: Double?
    public var inputMaxMagnitude: Double?
    public var inputNonFinite = 0
    public var batchesSeen = 0
    /// Classification: mean entropy of the labels within a batch, over the first epoch's batches,
    /// and the entropy of all labels seen (nats). Shuffled batches come close to the latter.
    public var meanBatchLabelEntropy: Double?
    public var labelEntropy: Double?
    /// Fraction of consecutive batches whose most common label is the same.
    public var repeatedMajorityFraction: Double?
    public var classes: Int?
    /// Classification: the most common label's share (the accuracy of always guessing it).
    public var majorityFraction: Double?
    /// Text: the entropy of the target tokens (nats): the loss of a model that predicts each
    /// token's frequency and nothing else.
    public var unigramLoss: Double?
    /// Regression: the targets' variance, the mean squared error of always predicting their mean.
    public var targetVariance: Double?
}

/// Structural facts about the model and loss.
public struct ModelProfile: Codable, Sendable {
    public var loss = ""
    public var optimizer = ""
    public var parameters = 0
    /// A softmax's output was fed into a log-softmax (cross-entropy): the probabilities were
    /// normalized twice.
    public var softmaxIntoLoss = false
    /// The module path of the softmax that fed the loss.
    public var softmaxPath: String?
    /// Order of parameter layers from input to output (first forward use).
    public var layerOrder: [String] = []
}

/// The final model against the training labels (classification).
public struct LabelAudit: Codable, Sendable {
    public var examples: Int
    /// Accuracy on this sample of the training set (its possibly noisy labels).
    public var trainAccuracy: Double
    /// Accuracy on the validation split.
    public var validationAccuracy: Double
    /// Fraction of the sample where the model gives another class probability ≥ 0.9.
    public var confidentDisagreement: Double
    /// Indices (into the training split) of the examples confident learning flags, least likely label first.
    public var suspectIndices: [Int]
}
