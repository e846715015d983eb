import LoupeCore

/// A trainable tensor owned by a module.
///
/// A reference wrapper so that optimizers, checkpoint loading and dtype conversion can swap or
/// update the tensor while the module keeps pointing at the same parameter.
public final class Parameter: @unchecked Sendable {
    /// The current value; always `requiresGrad` while the parameter is trainable.
    public var value: Tensor {
        didSet { value.requiresGrad = isTrainable }
    }
    /// Frozen parameters keep their value and receive no gradient.
    public var isTrainable: Bool {
        didSet { value.requiresGrad = isTrainable }
    }

    public init(_ value: Tensor, trainable: Bool = true) {
        self.value = value
        self.isTrainable = trainable
        value.requiresGrad = trainable
    }

    /// The gradient accumulated by the last backward pass(es), if any.
    public var grad: Tensor? { value.grad }
    public var shape: [Int] { value.shape }
}

/// A non-trainable tensor a module keeps as state (e.g. BatchNorm's running statistics); saved in
/// checkpoints with the parameters.
public final class Buffer: @unchecked Sendable {
    public var value: Tensor
    /// Integer state whose values fit in 8 bits (quantized weights): checkpoints store it as I8.
    public let isInt8: Bool
    public init(_ value: Tensor, int8: Bool = false) { (self.value, self.isInt8) = (value, int8) }
}
