import LoupeCore

/// The activation functions a layer or run file can name.
public enum ActivationKind: String, Sendable, CaseIterable, Codable {
    case relu, leakyRelu = "leaky_relu", gelu, silu, sigmoid, tanh, softmax, linear

    /// Applies the activation (softmax over the last axis).
    public func apply(_ x: Tensor) throws -> Tensor {
        switch self {
        case .relu: try x.relu()
        case .leakyRelu: try x.leakyRelu()
        case .gelu: try x.gelu()
        case .silu: try x.silu()
        case .sigmoid: try x.sigmoid()
        case .tanh: try x.tanh()
        case .softmax: try x.softmax(axis: -1)
        case .linear: x
        }
    }
}

/// An activation as a layer, so it has a name in the module tree (and in hooks).
public final class Activation: Module {
    public let kind: ActivationKind
    public init(_ kind: ActivationKind) { self.kind = kind }
    override public func forward(_ x: Tensor) throws -> Tensor { try kind.apply(x) }
}
