import LoupeCore
import LoupeNN

/// The training objectives a run can name.
public enum LossKind: String, Sendable, CaseIterable {
    case crossEntropy = "cross_entropy", mse, bce, l1, huber

    /// The mean loss of `output` against `target` (class labels for cross-entropy, values otherwise).
    public func callAsFunction(_ output: Tensor, _ target: Tensor, labelSmoothing: Double = 0) throws -> Tensor {
        switch self {
        case .crossEntropy: try Loss.crossEntropy(output, target, labelSmoothing: labelSmoothing)
        case .mse: try Loss.mse(output, target)
        case .bce: try Loss.binaryCrossEntropy(logits: output, targets: target)
        case .l1: try Loss.l1(output, target)
        case .huber: try Loss.huber(output, target)
        }
    }

    /// Whether targets are class labels (so accuracy applies).
    public var isClassification: Bool { self == .crossEntropy }
}
