import LoupeCore

/// y = x · Wᵀ + b, applied over the last dimension: [..., in] → [..., out].
public final class Linear: Module {
    /// [out, in], as in PyTorch.
    public let weight: Parameter
    /// [out], or nil without bias.
    public let bias: Parameter?

    /// - Parameters:
    ///   - weightInit: defaults to PyTorch's `U(±1/√in)`; `.heNormal` etc. also work.
    ///   - biasInit: defaults to the same uniform as PyTorch.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true,
                weightInit: Initializer? = nil, biasInit: Initializer? = nil,
                using rng: inout RandomGenerator) throws {
        let bound = 1 / Double(max(inFeatures, 1)).squareRoot()
        weight = Parameter(try (weightInit ?? .uniform(limit: bound)).make([outFeatures, inFeatures], using: &rng))
        self.bias = bias ? Parameter(try (biasInit ?? .uniform(limit: bound)).make([outFeatures], using: &rng)) : nil
        super.init()
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    override public func forward(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == inFeatures else {
            throw TensorError.shapeMismatch(op: "Linear '\(name)'", lhs: x.shape, rhs: weight.shape,
                                            expected: "the input's last dimension must be \(inFeatures)")
        }
        let y = try x.matmul(weight.value.transposed())
        return try bias.map { try y + $0.value } ?? y
    }
}

/// y = x · Wᵀ with W a plain tensor, not a ``Parameter``: a frozen weight that receives no
/// gradient and is not saved in checkpoints (a base model's projections under ``LoRALinear``
/// fine-tuning, where only the adapters are trained).
public final class FrozenLinear: Module {
    /// [out, in].
    public let weight: Tensor

    public init(_ weight: Tensor) throws {
        guard weight.rank == 2, weight.dtype.isFloatingPoint else {
            throw TensorError.invalidShape(op: "FrozenLinear", shape: weight.shape, reason: "the weight must be a float matrix [out, in]")
        }
        self.weight = weight.detach()
        super.init()
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == weight.shape[1] else {
            throw TensorError.shapeMismatch(op: "FrozenLinear '\(name)'", lhs: x.shape, rhs: weight.shape,
                                            expected: "the input's last dimension must be \(weight.shape[1])")
        }
        return try x.matmul(weight.transposed())
    }
}
