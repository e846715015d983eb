import LoupeCore
import LoupeNN

/// One entry of `model.layers`: a layer and its settings, as a run file gives them
/// (`{ type = "linear", units = 64, activation = "relu" }`). ``ModelBuilder`` builds it against
/// the shape flowing in; ``RunConfig/validate()`` checks each setting's range.
///
/// ```swift
/// config.model.layers = [
///     .conv2d(filters: 16, kernel: 3, padding: 1, activation: .relu),
///     .maxPool2d(size: 2),
///     .flatten,
///     .dropout(rate: 0.3),
///     .linear(units: 10),
/// ]
/// ```
public enum LayerSpec: Equatable, Sendable {
    /// A fully connected layer, [..., F] → [..., units]. `initializer` replaces the default
    /// U(±1/√fan_in) for the weights; `biasInit` sets every bias to one value.
    case linear(units: Int, activation: ActivationKind? = nil, initializer: Initializer? = nil, biasInit: Double? = nil)
    /// A 2-D convolution, [C, H, W] → [filters, H', W'].
    case conv2d(filters: Int, kernel: Int, stride: Int = 1, padding: Int = 0, activation: ActivationKind? = nil,
                initializer: Initializer? = nil, biasInit: Double? = nil)
    /// The maximum of each size×size window (stride `size`), [C, H, W] → [C, H/size, W/size].
    case maxPool2d(size: Int)
    /// The mean of each size×size window (stride `size`), [C, H, W] → [C, H/size, W/size].
    case avgPool2d(size: Int)
    /// [...] → [product].
    case flatten
    /// In training, zeroes each value with probability `rate` and scales the others by 1/(1 - rate).
    case dropout(rate: Double)
    /// Normalizes each feature of [F] or channel of [C, H, W] over the batch.
    case batchNorm
    /// Normalizes the last axis.
    case layerNorm
    /// Token ids [T] → [T, dim].
    case embedding(vocab: Int, dim: Int)
    /// `layers` stacked LSTM, GRU or plain RNN layers, [T, F] → [T, units] with
    /// `returnSequences`, else the last step's [units].
    case recurrent(RecurrentKind, units: Int, layers: Int = 1, returnSequences: Bool = false)
    /// A GPT decoder, token ids [T ≤ block] → [T, vocab]; `vocab` nil takes the data's vocabulary.
    case gpt(layers: Int, heads: Int, dim: Int, block: Int, vocab: Int? = nil, dropout: Double = 0)
    /// An activation on its own (e.g. after a batchnorm).
    case activation(ActivationKind)

    /// One layer of each type, every setting given: the list of types that error messages and
    /// `loupe train --help` show, and that the tests read and write back.
    public static let allKinds: [LayerSpec] = [
        .linear(units: 64, activation: .relu, initializer: .heNormal, biasInit: 0),
        .conv2d(filters: 32, kernel: 3, stride: 1, padding: 1, activation: .relu, initializer: .normal(std: 0.1), biasInit: 0),
        .maxPool2d(size: 2),
        .avgPool2d(size: 2),
        .flatten,
        .dropout(rate: 0.5),
        .batchNorm,
        .layerNorm,
        .embedding(vocab: 100, dim: 32),
        .recurrent(.lstm, units: 64, layers: 1, returnSequences: false),
        .recurrent(.gru, units: 64, layers: 2, returnSequences: true),
        .recurrent(.rnn, units: 64, layers: 1, returnSequences: false),
        .gpt(layers: 2, heads: 4, dim: 64, block: 128, vocab: 65, dropout: 0.1),
        .activation(.relu),
    ]

    /// The run file's `type` of this layer.
    public var type: String {
        switch self {
        case .linear: "linear"
        case .conv2d: "conv2d"
        case .maxPool2d: "maxpool2d"
        case .avgPool2d: "avgpool2d"
        case .flatten: "flatten"
        case .dropout: "dropout"
        case .batchNorm: "batchnorm"
        case .layerNorm: "layernorm"
        case .embedding: "embedding"
        case let .recurrent(kind, _, _, _): kind.rawValue
        case .gpt: "gpt"
        case .activation: "activation"
        }
    }

    /// What follows a linear or conv2d layer, or what an activation layer applies; nil for the
    /// other layers. Setting nil on an activation layer leaves it unchanged (remove the layer).
    public var activation: ActivationKind? {
        get {
            switch self {
            case let .linear(_, activation, _, _), let .conv2d(_, _, _, _, activation, _, _): activation
            case let .activation(kind): kind
            default: nil
            }
        }
        set {
            switch self {
            case let .linear(units, _, initializer, biasInit):
                self = .linear(units: units, activation: newValue, initializer: initializer, biasInit: biasInit)
            case let .conv2d(filters, kernel, stride, padding, _, initializer, biasInit):
                self = .conv2d(filters: filters, kernel: kernel, stride: stride, padding: padding, activation: newValue,
                               initializer: initializer, biasInit: biasInit)
            case .activation: if let newValue { self = .activation(newValue) }
            default: break
            }
        }
    }

    /// A linear or conv2d layer's weight initializer, when it overrides the default; nil for the
    /// other layers, on which setting it changes nothing.
    public var initializer: Initializer? {
        get { weightInitialization.initializer }
        set { weightInitialization.initializer = newValue }
    }

    /// A linear or conv2d layer's bias value, when it overrides the default; nil for the other
    /// layers, on which setting it changes nothing.
    public var biasInit: Double? {
        get { weightInitialization.biasInit }
        set { weightInitialization.biasInit = newValue }
    }

    /// Whether the layer is linear or conv2d: a weighted layer an activation follows.
    public var isLinearOrConv: Bool {
        switch self {
        case .linear, .conv2d: true
        default: false
        }
    }

    private var weightInitialization: (initializer: Initializer?, biasInit: Double?) {
        get {
            switch self {
            case let .linear(_, _, initializer, biasInit), let .conv2d(_, _, _, _, _, initializer, biasInit): (initializer, biasInit)
            default: (nil, nil)
            }
        }
        set {
            switch self {
            case let .linear(units, activation, _, _):
                self = .linear(units: units, activation: activation, initializer: newValue.initializer, biasInit: newValue.biasInit)
            case let .conv2d(filters, kernel, stride, padding, activation, _, _):
                self = .conv2d(filters: filters, kernel: kernel, stride: stride, padding: padding, activation: activation,
                               initializer: newValue.initializer, biasInit: newValue.biasInit)
            default: break
            }
        }
    }
}
