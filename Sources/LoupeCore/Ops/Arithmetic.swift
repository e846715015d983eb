// Element-wise arithmetic with NumPy broadcasting. Each op's backward sums the gradient back to
// each operand's own shape (`sumToShape`), which is what broadcasting forward means backward.

struct AddKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> { a + b }
}
struct SubKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> { a - b }
}
struct MulKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> { a * b }
}
struct DivKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> { a / b }
}
struct MaximumKernel: BinaryKernel {
    // NaN-propagating, like torch.maximum.
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> {
        a.replacing(with: b, where: (T.lt(a, b)) .| (T.ne(b, b)))
    }
}
struct MinimumKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> {
        a.replacing(with: b, where: (T.lt(b, a)) .| (T.ne(b, b)))
    }
}
/// d max(a, b)/da: 1 where a > b, 1/2 on ties (PyTorch's convention), 0 where a < b.
struct MaximumGradKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> {
        SIMD16<T>().replacing(with: 1, where: T.lt(b, a)).replacing(with: 0.5, where: T.eq(a, b))
    }
}
/// a^b for tensors: real-valued for a < 0 only when b is an integer (NaN otherwise, as in PyTorch).
struct PowKernel: BinaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> {
        let negative = T.lt(a, SIMD16<T>())
        let magnitude = a.replacing(with: -a, where: negative)
        var r = T.vexp(b * T.vlog(magnitude))
        let isInteger = T.eq(b, b.rounded(.towardZero))
        let isOdd = isInteger .& T.ne((b * 0.5).rounded(.towardZero) * 2, b)
        r = r.replacing(with: -r, where: negative .& isOdd)
        r = r.replacing(with: .nan, where: negative .& .!isInteger)
        return r.replacing(with: 1, where: T.eq(b, SIMD16<T>()))
    }
}

extension Tensor {
    /// A rank-0 tensor of this tensor's dtype, for mixing tensors with plain numbers.
    func scalarLike(_ value: Double) -> Tensor { Tensor.full([], value: value, dtype: dtype) }

    /// Sums a broadcast gradient back down to `shape` (the inverse of broadcasting).
    func sumToShape(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        let summed = axes.isEmpty ? self : try sum(axes: axes, keepDims: true)
        return try summed.reshaped(target)
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(a, b, AddKernel(), op: "add")
        return try record("add", inputs: [a, b], output: out) { g in
            [try g.sumToShape(a.shape), try g.sumToShape(b.shape)]
        }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(a, b, SubKernel(), op: "sub")
        return try record("sub", inputs: [a, b], output: out) { g in
            [try g.sumToShape(a.shape), try (-g).sumToShape(b.shape)]
        }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(a, b, MulKernel(), op: "mul")
        return try record("mul", inputs: [a, b], output: out) { g in
            [a.requiresGrad ? try (g * b).sumToShape(a.shape) : nil,
             b.requiresGrad ? try (g * a).sumToShape(b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(a, b, DivKernel(), op: "div")
        return try record("div", inputs: [a, b], output: out) { g in
            [a.requiresGrad ? try (g / b).sumToShape(a.shape) : nil,
             b.requiresGrad ? try (-(g * out) / b).sumToShape(b.shape) : nil]
        }
    }

    public static prefix func - (x: Tensor) throws -> Tensor {
        let out = try Elementwise.unary(x, ScaleKernel(factor: -1), op: "neg")
        return try record("neg", inputs: [x], output: out) { g in [try -g] }
    }

    public static func + (a: Tensor, b: Double) throws -> Tensor { try a + a.scalarLike(b) }
    public static func - (a: Tensor, b: Double) throws -> Tensor { try a - a.scalarLike(b) }
    public static func * (a: Tensor, b: Double) throws -> Tensor { try a * a.scalarLike(b) }
    public static func / (a: Tensor, b: Double) throws -> Tensor { try a / a.scalarLike(b) }
    public static func + (a: Double, b: Tensor) throws -> Tensor { try b.scalarLike(a) + b }
    public static func - (a: Double, b: Tensor) throws -> Tensor { try b.scalarLike(a) - b }
    public static func * (a: Double, b: Tensor) throws -> Tensor { try b.scalarLike(a) * b }
    public static func / (a: Double, b: Tensor) throws -> Tensor { try b.scalarLike(a) / b }

    /// Element-wise maximum (NaN-propagating); ties send half the gradient to each side.
    public func maximum(_ other: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(self, other, MaximumKernel(), op: "maximum")
        return try Tensor.record("maximum", inputs: [self, other], output: out) { [self] g in
            let toSelf = try Elementwise.binary(self, other, MaximumGradKernel(), op: "maximum")
            return [try (g * toSelf).sumToShape(shape), try (g * (1 - toSelf)).sumToShape(other.shape)]
        }
    }

    /// Element-wise minimum (NaN-propagating); ties send half the gradient to each side.
    public func minimum(_ other: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(self, other, MinimumKernel(), op: "minimum")
        return try Tensor.record("minimum", inputs: [self, other], output: out) { [self] g in
            let toOther = try Elementwise.binary(other, self, MaximumGradKernel(), op: "minimum")
            return [try (g * toOther).sumToShape(shape), try (g * (1 - toOther)).sumToShape(other.shape)]
        }
    }

    /// `self ^ exponent`, element-wise with broadcasting.
    public func pow(_ exponent: Tensor) throws -> Tensor {
        let out = try Elementwise.binary(self, exponent, PowKernel(), op: "pow")
        return try Tensor.record("pow", inputs: [self, exponent], output: out) { [self] g in
            [requiresGrad ? try (g * exponent * self.pow(exponent - 1)).sumToShape(shape) : nil,
             exponent.requiresGrad ? try (g * out * self.log()).sumToShape(exponent.shape) : nil]
        }
    }

    /// `self ^ exponent` for a constant exponent (exact for negative bases and integer exponents).
    public func pow(_ exponent: Double) throws -> Tensor {
        let out = try Elementwise.unary(self, PowScalarKernel(exponent: exponent), op: "pow")
        return try Tensor.record("pow", inputs: [self], output: out) { [self] g in
            [try g * (self.pow(exponent - 1) * exponent)]
        }
    }
}

/// x · factor.
struct ScaleKernel: UnaryKernel {
    let factor: Double
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> { x * T(factor) }
}

/// x^p for a constant p: repeated multiplication for small integer p, exp(p·log x) otherwise.
struct PowScalarKernel: UnaryKernel {
    let exponent: Double
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
        switch exponent {
        case 0: return SIMD16<T>(repeating: 1)
        case 1: return x
        case 2: return x * x
        case 3: return x * x * x
        case 0.5: return x.squareRoot()
        case -1: return 1 / x
        default: return PowKernel()(x, SIMD16<T>(repeating: T(exponent)))
        }
    }
}
