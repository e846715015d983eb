import LoupeCore

/// ``Linear`` with 8-bit weights and activations, for inference: y = x · Wᵀ + b over the last
/// dimension, [..., in] → [..., out], computed by the int8 kernels (``Int8Matrix``).
///
/// Its state (saved in checkpoints, the codes as I8): `weight` [out, in] (codes −127…127),
/// `weightScale` [out], `bias` [out] and, with static activations, `inputScale` [1].
/// No gradients flow through it: quantize a trained model (``Int8Conversion``), do not train one.
public final class QuantizedLinear: Module {
    /// [out, in] integer codes; w ≈ weightScale[o] · weight[o, i].
    public let weight: Buffer
    /// [out].
    public let weightScale: Buffer
    /// [out], or nil.
    public let bias: Buffer?
    /// [1] with ``Int8Activations/static`` activations, else nil.
    public let inputScale: Buffer?
    public let activations: Int8Activations
    private var packed: (matrix: Int8Matrix, weight: ObjectIdentifier, scale: ObjectIdentifier)?

    /// Quantizes `linear`'s weights per output channel; `inputScale` is the static scale
    /// (required with `.static` activations).
    public init(_ linear: Linear, activations: Int8Activations, inputScale: Float? = nil) throws {
        let (out, inp) = (linear.outFeatures, linear.inFeatures)
        let q = try Int8Matrix.quantize(try linear.weight.value.to(.float32).floats(), rows: out, columns: inp, name: linear.name)
        weight = Buffer(Tensor(indices: q.codes.map(Int.init), shape: [out, inp]), int8: true)
        weightScale = Buffer(Tensor(q.scales, shape: [out]))
        bias = try linear.bias.map { Buffer(try $0.value.to(.float32).detach()) }
        self.activations = activations
        self.inputScale = activations == .static ? Buffer(Tensor([inputScale ?? 0], shape: [1])) : nil
        super.init()
    }

    public var inFeatures: Int { weight.value.shape[1] }
    public var outFeatures: Int { weight.value.shape[0] }

    /// The packed matrix, rebuilt when a checkpoint replaced the codes or scales.
    func matrix() throws -> Int8Matrix {
        let ids = (ObjectIdentifier(weight.value), ObjectIdentifier(weightScale.value))
        if let packed, packed.weight == ids.0, packed.scale == ids.1 { return packed.matrix }
        let m = try Int8Matrix(codes: weight.value.ints().map { Int8(clamping: $0) }, scales: weightScale.value.to(.float32).floats(),
                               rows: outFeatures, columns: inFeatures, name: name)
        packed = (m, ids.0, ids.1)
        return m
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        guard x.shape.last == inFeatures, x.dtype == .float32 else {
            throw TensorError.shapeMismatch(op: "QuantizedLinear '\(name)'", lhs: x.shape, rhs: weight.value.shape,
                                            expected: "float32 input whose last dimension is \(inFeatures)")
        }
        let fixed = try inputScale.map { try $0.value.to(.float32).floats()[0] }
        let y = try matrix().apply(x, bias: try bias.map { try $0.value.to(.float32).floats() }, fixedScale: fixed)
        try Hooks.emitForward(op: "int8_matmul", modulePath: ModuleScope.currentPath, inputs: [x, weight.value], output: y)
        return y
    }
}
