// Element-wise math of one tensor. Each backward is written in terms of the saved input or output,
// whichever the derivative needs.

struct ExpKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> { T.vexp(x) }
}
struct LogKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> { T.vlog(x) }
}
struct SqrtKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> { x.squareRoot() }
}
struct RsqrtKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> { 1 / x.squareRoot() }
}
struct AbsKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
        x.replacing(with: -x, where: T.lt(x, SIMD16<T>()))
    }
}
/// sign(x) with sign(0) = 0, the derivative of |x| that PyTorch uses.
struct SignKernel: UnaryKernel {
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
        SIMD16<T>().replacing(with: 1, where: T.lt(SIMD16<T>(), x)).replacing(with: -1, where: T.lt(x, SIMD16<T>()))
    }
}
struct ClampKernel: UnaryKernel {
    let low: Double, high: Double
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
        x.replacing(with: SIMD16(repeating: T(low)), where: T.lt(x, SIMD16<T>(repeating: T(low))))
            .replacing(with: SIMD16(repeating: T(high)), where: T.lt(SIMD16<T>(repeating: T(high)), x))
    }
}
/// 1 where low ≤ x ≤ high (the clamp passes the gradient), else 0.
struct InRangeKernel: UnaryKernel {
    let low: Double, high: Double
    @inline(__always) func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T> {
        SIMD16<T>().replacing(with: 1, where: (T.le(SIMD16<T>(repeating: T(low)), x)) .& (T.le(x, SIMD16<T>(repeating: T(high)))))
    }
}

extension Tensor {
    /// e^x.
    public func exp() throws -> Tensor {
        let out = try Elementwise.unary(self, ExpKernel(), op: "exp")
        return try Tensor.record("exp", inputs: [self], output: out) { g in [try g * out] }
    }

    /// Natural logarithm.
    public func log() throws -> Tensor {
        let out = try Elementwise.unary(self, LogKernel(), op: "log")
        return try Tensor.record("log", inputs: [self], output: out) { [self] g in [try g / self] }
    }

    /// Square root.
    public func sqrt() throws -> Tensor {
        let out = try Elementwise.unary(self, SqrtKernel(), op: "sqrt")
        return try Tensor.record("sqrt", inputs: [self], output: out) { g in [try g / (out * 2)] }
    }

    /// 1/√x.
    public func rsqrt() throws -> Tensor {
        let out = try Elementwise.unary(self, RsqrtKernel(), op: "rsqrt")
        return try Tensor.record("rsqrt", inputs: [self], output: out) { g in
            [try g * out.pow(3) * -0.5]
        }
    }

    /// |x|; the gradient at 0 is 0.
    public func abs() throws -> Tensor {
        let out = try Elementwise.unary(self, AbsKernel(), op: "abs")
        return try Tensor.record("abs", inputs: [self], output: out) { [self] g in
            [try g * Elementwise.unary(self, SignKernel(), op: "abs")]
        }
    }

    /// Limits every element to `min...max` (either bound may be omitted); the gradient flows where
    /// the input was inside the bounds.
    public func clamp(min low: Double = -.infinity, max high: Double = .infinity) throws -> Tensor {
        guard low <= high else {
            throw TensorError.invalidArgument(op: "clamp", reason: "min \(low) is greater than max \(high)")
        }
        let out = try Elementwise.unary(self, ClampKernel(low: low, high: high), op: "clamp")
        return try Tensor.record("clamp", inputs: [self], output: out) { [self] g in
            [try g * Elementwise.unary(self, InRangeKernel(low: low, high: high), op: "clamp")]
        }
    }
}
