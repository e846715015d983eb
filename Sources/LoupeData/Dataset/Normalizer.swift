import LoupeCore

/// How input features are rescaled before training.
public enum NormalizationKind: String, Sendable, Codable, CaseIterable {
    /// Inputs unchanged.
    case none
    /// Per feature: subtract the mean, divide by the (population) standard deviation.
    case standard
    /// Per feature: map [min, max] to [0, 1].
    case minmax
}

/// Per-feature affine rescaling `x' = (x − shift) / scale`, fitted on the training split only and then
/// applied unchanged to every split, so no statistic of the validation or test data leaks into training.
///
/// A feature is every element position after the sample dimension: for inputs [N, 8, 8] there are 64
/// features. A feature that is constant in the training data (the always-blank border pixels of the
/// digits, say) gets scale 1 rather than a division by zero: it becomes 0 under `.standard` and
/// `.minmax`.
///
/// ```swift
/// let normalizer = try Normalizer.fit(.standard, on: splits.train)
/// let train = try normalizer.apply(splits.train), test = try normalizer.apply(splits.test)
/// ```
public struct Normalizer: Sendable, Codable, Equatable {
    public let kind: NormalizationKind
    /// Per-feature value subtracted (mean, or minimum); empty for `.none`.
    public let shift: [Float]
    /// Per-feature divisor (standard deviation, or max − min; 1 for constant features); empty for `.none`.
    public let scale: [Float]

    public init(kind: NormalizationKind, shift: [Float], scale: [Float]) {
        self.kind = kind
        self.shift = shift
        self.scale = scale
    }

    /// Fits per-feature statistics of `dataset.inputs` [N, ...] (float32, N ≥ 1).
    public static func fit(_ kind: NormalizationKind, on dataset: TensorDataset) throws -> Normalizer {
        try fit(kind, inputs: dataset.inputs)
    }

    /// Fits per-feature statistics of `inputs` [N, ...] (float32, N ≥ 1).
    public static func fit(_ kind: NormalizationKind, inputs: Tensor) throws -> Normalizer {
        if kind == .none { return Normalizer(kind: .none, shift: [], scale: []) }
        guard inputs.dtype == .float32, inputs.rank >= 1 else {
            throw DataError.shapeMismatch(op: "Normalizer.fit", reason: "inputs are \(inputs.dtype) \(inputs.shape), expected float32 [N, ...]")
        }
        let n = inputs.shape[0]
        guard n > 0 else { throw DataError.invalidArgument(op: "Normalizer.fit", reason: "cannot fit on an empty dataset") }
        let features = inputs.count / n
        let x = inputs.floats()
        // Double accumulators: float32 sums over tens of thousands of samples lose digits.
        var sum = [Double](repeating: 0, count: features), sumSquares = sum
        var low = Array(x[0..<features]), high = low
        for i in 0..<n {
            let row = i * features
            for f in 0..<features {
                let v = x[row + f]
                sum[f] += Double(v)
                sumSquares[f] += Double(v) * Double(v)
                low[f] = min(low[f], v)
                high[f] = max(high[f], v)
            }
        }
        var shift = [Float](repeating: 0, count: features), scale = [Float](repeating: 1, count: features)
        for f in 0..<features {
            // A constant feature keeps scale 1: its exact check is max == min, since the variance
            // computed in floating point can come out as a tiny positive number instead of 0.
            let constant = low[f] == high[f]
            switch kind {
            case .standard:
                let mean = sum[f] / Double(n)
                shift[f] = Float(mean)
                if !constant { scale[f] = Float(max(sumSquares[f] / Double(n) - mean * mean, 0).squareRoot()) }
                if scale[f] == 0 || !scale[f].isFinite { scale[f] = 1 }
            case .minmax:
                shift[f] = low[f]
                if !constant { scale[f] = high[f] - low[f] }
            case .none:
                break
            }
        }
        return Normalizer(kind: kind, shift: shift, scale: scale)
    }

    /// Number of features the normalizer was fitted on (0 for `.none`).
    public var featureCount: Int { shift.count }

    /// `inputs` [N, ...] rescaled per feature; the same tensor for `.none`.
    public func apply(_ inputs: Tensor) throws -> Tensor {
        if kind == .none { return inputs }
        guard inputs.dtype == .float32, inputs.rank >= 1 else {
            throw DataError.shapeMismatch(op: "Normalizer.apply", reason: "inputs are \(inputs.dtype) \(inputs.shape), expected float32 [N, ...]")
        }
        let n = inputs.shape[0]
        let features = n == 0 ? Array(inputs.shape.dropFirst()).reduce(1, *) : inputs.count / n
        guard features == featureCount else {
            throw DataError.shapeMismatch(op: "Normalizer.apply",
                                          reason: "inputs \(inputs.shape) have \(features) features per sample, but the normalizer was fitted on \(featureCount)")
        }
        var x = inputs.floats()
        for i in 0..<n {
            let row = i * features
            for f in 0..<features { x[row + f] = (x[row + f] - shift[f]) / scale[f] }
        }
        return Tensor(x, shape: inputs.shape)
    }

    /// The dataset with its inputs rescaled; targets are unchanged.
    public func apply(_ dataset: TensorDataset) throws -> TensorDataset {
        try TensorDataset(inputs: apply(dataset.inputs), targets: dataset.targets)
    }
}
