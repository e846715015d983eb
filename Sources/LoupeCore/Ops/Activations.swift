// Activation functions. Each forward is one fused kernel, and each backward one fused kernel of
// (upstream gradient, saved input or output), so an activation costs two passes over memory.

struct ReluKernel: UnaryKernel {
    // `x < 0 → 0` keeps NaN as NaN, as torch.relu does.
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
        x.replacing(with: 0, where: T.lt(x, SIMD16<T>()))
    }
}
struct ReluGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ g: SIMD16<T>, _ x: SIMD16<T>) -> SIMD16<T> {
        g.replacing(with: 0, where: T.le(x, SIMD16<T>()))
    }
}
struct LeakyReluKernel: UnaryKernel {
    let slope: Double
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
        x.replacing(with: x * T(slope), where: T.lt(x, SIMD16<T>()))
    }
}
struct LeakyReluGradKernel: BinaryKernel {
    let slope: Double
    @inline(__always) func callAsFunction<T: TensorScalar>(_ g: SIMD16<T>, _ x: SIMD16<T>) -> SIMD16<T> {
        g.replacing(with: g * T(slope), where: T.le(x, SIMD16<T>()))
    }
}
struct SigmoidKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> { 1 / (1 + T.vexp(-x)) }
}
/// g · y(1 - y) from the saved output y.
struct SigmoidGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ g: SIMD16<T>, _ y: SIMD16<T>) -> SIMD16<T> {
        g * y * (1 - y)
    }
}
struct TanhKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> { T.vtanh(x) }
}
/// g · (1 - y²) from the saved output y.
struct TanhGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ g: SIMD16<T>, _ y: SIMD16<T>) -> SIMD16<T> {
        g * (1 - y * y)
    }
}
struct SiluKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> { x / (1 + T.vexp(-x)) }
}
/// g · σ(x)(1 + x(1 - σ(x))).
struct SiluGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ g: SIMD16<T>, _ x: SIMD16<T>) -> SIMD16<T> {
        let s = 1 / (1 + T.vexp(-x))
        return g * s * (1 + x * (1 - s))
    }
}

/// GELU, in PyTorch's two forms: `erf` (exact) and `tanh` (the approximation GPT-2 used).
public enum GeluApproximation: String, Sendable {
    case erf = "none"
    case tanh
}

/// √(2/π) and the cubic coefficient of the tanh approximation.
private let geluTanhScale = 0.7978845608028654
private let geluTanhCubic = 0.044715

struct GeluKernel: UnaryKernel {
    let approximation: GeluApproximation
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
        switch approximation {
        case .erf:
            return x * 0.5 * (1 + T.verf(x * T(0.7071067811865476)))
        case .tanh:
            let u = (x + x * x * x * T(geluTanhCubic)) * T(geluTanhScale)
            return x * 0.5 * (1 + T.vtanh(u))
        }
    }
}
struct GeluGradKernel: BinaryKernel {
    let approximation: GeluApproximation
    @inline(__always) func callAsFunction<T: TensorScalar>(_ g: SIMD16<T>, _ x: SIMD16<T>) -> SIMD16<T> {
        switch approximation {
        case .erf:
            // Φ(x) + x·φ(x), φ the standard normal density.
            let cdf = (1 + T.verf(x * T(0.7071067811865476))) * 0.5
            let pdf = T.vexp(x * x * -0.5) * T(0.3989422804014327)
            return g * (cdf + x * pdf)
        case .tanh:
            let u = (x + x * x * x * T(geluTanhCubic)) * T(geluTanhScale)
            let t = T.vtanh(u)
            let du = (1 + x * x * T(3 * geluTanhCubic)) * T(geluTanhScale)
            return g * (0.5 * (1 + t) + x * 0.5 * (1 - t * t) * du)
        }
    }
}

extension Tensor {
    private func activation<F: UnaryKernel, B: BinaryKernel>(
        _ op: String, _ forward: F, _ backward: B, savesOutput: Bool
    ) throws -> Tensor {
        let out = try Elementwise.unary(self, forward, op: op)
        return try Tensor.record(op, inputs: [self], output: out) { [self] g in
            [try Elementwise.binary(g, savesOutput ? out : self, backward, op: op)]
        }
    }

    /// max(x, 0).
    public func relu() throws -> Tensor { try activation("relu", ReluKernel(), ReluGradKernel(), savesOutput: false) }

    /// x for x > 0, `slope`·x otherwise.
    public func leakyRelu(slope: Double = 0.01) throws -> Tensor {
        try activation("leaky_relu", LeakyReluKernel(slope: slope), LeakyReluGradKernel(slope: slope), savesOutput: false)
    }

    /// 1 / (1 + e^-x).
    public func sigmoid() throws -> Tensor {
        try activation("sigmoid", SigmoidKernel(), SigmoidGradKernel(), savesOutput: true)
    }

    /// Hyperbolic tangent.
    public func tanh() throws -> Tensor { try activation("tanh", TanhKernel(), TanhGradKernel(), savesOutput: true) }

    /// x · σ(x) (also called swish), the activation of Llama's MLP.
    public func silu() throws -> Tensor { try activation("silu", SiluKernel(), SiluGradKernel(), savesOutput: false) }

    /// Gaussian error linear unit, exact (`.erf`, the default) or the tanh approximation.
    public func gelu(_ approximation: GeluApproximation = .erf) throws -> Tensor {
        try activation(approximation == .erf ? "gelu" : "gelu_tanh", GeluKernel(approximation: approximation),
                       GeluGradKernel(approximation: approximation), savesOutput: false)
    }
}
