import LoupeCore

/// A frozen linear map with a trainable low-rank update (LoRA, Hu et al. 2021):
/// y = x·Wᵀ + (α/r)·dropout(x)·Aᵀ·Bᵀ over the last dimension, [..., in] → [..., out].
///
/// The layout is Hugging Face PEFT's, so adapters move between the two unchanged: A (`lora_A`)
/// is [r, in] and starts Kaiming-uniform (bound 1/√in, PEFT's `kaiming_uniform_(a=√5)`), B
/// (`lora_B`) is [out, r] and starts at zero, so training starts exactly at the base model. The
/// base weight W [out, in] is a plain tensor, not a ``Parameter``: it receives no gradient and
/// checkpoints hold the adapter alone.
public final class LoRALinear: Module {
    /// W [out, in], frozen.
    public let base: Tensor
    /// A [r, in].
    public let loraA: Parameter
    /// B [out, r].
    public let loraB: Parameter
    public let rank: Int
    public let alpha: Double
    /// Dropout on the adapter's input only (PEFT's `lora_dropout`); nil when the rate is 0.
    public let dropout: Dropout?

    /// When false the layer is its base map alone (x·Wᵀ): the frozen model, for comparisons such
    /// as a forgetting probe. Training leaves it on.
    public var isEnabled = true

    /// α/r, the update's scale.
    public var scale: Double { alpha / Double(rank) }
    public var inFeatures: Int { base.shape[1] }
    public var outFeatures: Int { base.shape[0] }

    /// An adapter of rank `rank` on the frozen weight `base` [out, in].
    public init(base: Tensor, rank: Int, alpha: Double, dropout rate: Double = 0, seed: UInt64 = 0,
                using rng: inout RandomGenerator) throws {
        guard base.rank == 2, base.dtype.isFloatingPoint else {
            throw TensorError.invalidShape(op: "LoRALinear", shape: base.shape, reason: "the base weight must be a float matrix [out, in]")
        }
        guard rank >= 1, rank <= min(base.shape[0], base.shape[1]) else {
            throw TensorError.invalidArgument(op: "LoRALinear",
                                              reason: "rank must be between 1 and min(out, in) = \(min(base.shape[0], base.shape[1])), got \(rank)")
        }
        guard alpha.isFinite, alpha > 0 else {
            throw TensorError.invalidArgument(op: "LoRALinear", reason: "alpha must be a positive number, got \(alpha)")
        }
        self.base = base.detach()
        self.rank = rank
        self.alpha = alpha
        let bound = 1 / Double(base.shape[1]).squareRoot()
        loraA = Parameter(try Initializer.uniform(limit: bound).make([rank, base.shape[1]], dtype: base.dtype, using: &rng))
        loraB = Parameter(Tensor.zeros([base.shape[0], rank], dtype: base.dtype))
        dropout = rate > 0 ? try Dropout(rate, seed: seed) : nil
        super.init()
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == inFeatures else {
            throw TensorError.shapeMismatch(op: "LoRALinear '\(name)'", lhs: x.shape, rhs: base.shape,
                                            expected: "the input's last dimension must be \(inFeatures)")
        }
        guard isEnabled else { return try x.matmul(base.transposed()) }
        let adapterInput = try dropout.map { try $0(x) } ?? x
        let update = try adapterInput.matmul(loraA.value.transposed()).matmul(loraB.value.transposed())
        return try x.matmul(base.transposed()) + update * scale
    }

    /// W + (α/r)·B·A [out, in]: the weight of a plain linear map equal to this one (without
    /// dropout), for merging the adapter into the model.
    public func mergedWeight() throws -> Tensor {
        try GradMode.withoutGrad { try base + loraB.value.matmul(loraA.value) * scale }
    }
}
