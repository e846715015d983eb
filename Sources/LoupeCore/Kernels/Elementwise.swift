/// A pure function of one value, applied 16 lanes at a time. Tails are padded, so a kernel only
/// supplies the vector form; the compiler specialises and inlines it into `unaryMap`'s loop.
protocol UnaryKernel {
    func callAsFunction<T: TensorScalar>(_ x: SIMD16<T>) -> SIMD16<T>
}

/// A pure function of two values, applied 16 lanes at a time.
protocol BinaryKernel {
    func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T>
}

@inline(__always)
func load16<T: TensorScalar>(_ p: UnsafePointer<T>) -> SIMD16<T> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD16<T>.self)
}

@inline(__always)
func store16<T: TensorScalar>(_ v: SIMD16<T>, _ p: UnsafeMutablePointer<T>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<T>.self)
}

/// Loads `n < 16` elements (stride `s`) into the low lanes; the rest are zero.
@inline(__always)
func loadPartial<T: TensorScalar>(_ p: UnsafePointer<T>, _ n: Int, stride s: Int = 1) -> SIMD16<T> {
    var v = SIMD16<T>()
    for i in 0..<n { v[i] = p[i * s] }
    return v
}

@inline(__always)
func storePartial<T: TensorScalar>(_ v: SIMD16<T>, _ p: UnsafeMutablePointer<T>, _ n: Int) {
    for i in 0..<n { p[i] = v[i] }
}

enum Elementwise {
    /// `out[i] = k(x[i])` over a contiguous copy of `x`.
    static func unary<K: UnaryKernel>(_ x: Tensor, _ k: K, op: String) throws -> Tensor {
        switch x.dtype {
        case .float32: return unary(x, k, Float.self)
        case .float64: return unary(x, k, Double.self)
        case .int64: throw TensorError.dtypeMismatch(op: op, got: x.dtype, expected: "float32 or float64")
        }
    }

    private static func unary<K: UnaryKernel, T: TensorScalar>(_ x: Tensor, _ k: K, _: T.Type) -> Tensor {
        let x = x.contiguousStorage()
        defer { withExtendedLifetime(x) {} }  // raw pointers below outlive its last use
        let out = Tensor(shape: x.shape, dtype: x.dtype, zeroed: false)
        let src = UnsafePointer(x.base(T.self)), dst = out.base(T.self)
        Parallel.forChunks(x.count) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                store16(k(load16(src + i)), dst + i)
                i += 16
            }
            if i < range.upperBound {
                let n = range.upperBound - i
                storePartial(k(loadPartial(src + i, n)), dst + i, n)
            }
        }
        return out
    }

    /// `out = k(a, b)` with NumPy broadcasting.
    static func binary<K: BinaryKernel>(_ a: Tensor, _ b: Tensor, _ k: K, op: String) throws -> Tensor {
        guard a.dtype == b.dtype else {
            throw TensorError.dtypeMismatch(op: op, got: b.dtype, expected: "\(a.dtype), like the first operand")
        }
        let shape = try Shape.broadcast(a.shape, b.shape, op: op)
        switch a.dtype {
        case .float32: return binary(a, b, shape, k, Float.self)
        case .float64: return binary(a, b, shape, k, Double.self)
        case .int64: throw TensorError.dtypeMismatch(op: op, got: a.dtype, expected: "float32 or float64")
        }
    }

    private static func binary<K: BinaryKernel, T: TensorScalar>(
        _ a: Tensor, _ b: Tensor, _ shape: [Int], _ k: K, _: T.Type
    ) -> Tensor {
        let out = Tensor(shape: shape, dtype: a.dtype, zeroed: false)
        let dst = out.base(T.self), pa = UnsafePointer(a.base(T.self)), pb = UnsafePointer(b.base(T.self))
        // Fast paths without building a StridedLoop: dense operands of one shape, or a dense operand
        // with a one-element other (tensor ⊙ scalar). These are most ops in a training step.
        let n = out.count
        let aDense = a.isContiguous && a.count == n, bDense = b.isContiguous && b.count == n
        if (aDense || a.count == 1) && (bDense || b.count == 1) {
            let sa = aDense ? 1 : 0, sb = bDense ? 1 : 0
            Parallel.forChunks(n) { r in
                row(dst + r.lowerBound, pa + r.lowerBound * sa, sa, pb + r.lowerBound * sb, sb, r.count, k)
            }
            return out
        }
        let loop = StridedLoop(shape: shape, strides: [
            out.strides,
            Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: shape),
            Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: shape),
        ])
        let inner = loop.innerCount, sa = loop.innerStride(1), sb = loop.innerStride(2)
        let rows = loop.outerCount
        if rows == 1 {
            // One long row: split it across threads.
            Parallel.forChunks(inner) { r in
                row(dst + r.lowerBound, pa + r.lowerBound * sa, sa, pb + r.lowerBound * sb, sb, r.count, k)
            }
        } else {
            Parallel.forChunks(rows, costPerItem: inner) { r in
                loop.forEachRow(r) { o in row(dst + o[0], pa + o[1], sa, pb + o[2], sb, inner, k) }
            }
        }
        return out
    }

    @inline(__always)
    private static func row<K: BinaryKernel, T: TensorScalar>(
        _ d: UnsafeMutablePointer<T>, _ a: UnsafePointer<T>, _ sa: Int,
        _ b: UnsafePointer<T>, _ sb: Int, _ n: Int, _ k: K
    ) {
        var i = 0
        if sa == 1 && sb == 1 {
            while i + 16 <= n { store16(k(load16(a + i), load16(b + i)), d + i); i += 16 }
        } else if sa == 1 && sb == 0 {
            let vb = SIMD16<T>(repeating: b[0])
            while i + 16 <= n { store16(k(load16(a + i), vb), d + i); i += 16 }
        } else if sa == 0 && sb == 1 {
            let va = SIMD16<T>(repeating: a[0])
            while i + 16 <= n { store16(k(va, load16(b + i)), d + i); i += 16 }
        } else {
            while i + 16 <= n {
                store16(k(loadPartial(a + i * sa, 16, stride: sa), loadPartial(b + i * sb, 16, stride: sb)), d + i)
                i += 16
            }
        }
        if i < n {
            let m = n - i
            storePartial(k(loadPartial(a + i * sa, m, stride: sa), loadPartial(b + i * sb, m, stride: sb)), d + i, m)
        }
    }
}
