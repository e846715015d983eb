// Softmax and log-softmax along one axis, computed stably (max subtracted) in one fused row kernel.

enum SoftmaxKernel {
    /// Σ e^(x − shift) over a row, storing the terms in `out` when given. Kept out of line and small
    /// so the compiler inlines the vector exp into it (inside the big row loop it made a call per
    /// 16 lanes, passing the vector through memory).
    @inline(never)
    static func expSum<T: TensorScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>?, _ n: Int, shift: T) -> T {
        let vm = SIMD16<T>(repeating: shift)
        var vsum = SIMD16<T>()
        var i = 0
        while i + 16 <= n {
            let e = T.vexp(load16(x + i) - vm)
            if let out { store16(e, out + i) }
            vsum += e
            i += 16
        }
        var total = vsum.sum()
        while i < n {
            let e = T.exp(x[i] - shift)
            out?[i] = e
            total += e
            i += 1
        }
        return total
    }

    /// For each of `rows` rows of length `n`: y = softmax(x) or, when `log`, y = log_softmax(x).
    static func run<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, rows: Int, n: Int, log: Bool) {
        Parallel.forChunks(rows, costPerItem: n * 8) { range in
            for r in range {
                let src = x + r * n, dst = y + r * n
                var vmax = SIMD16<T>(repeating: -.infinity)
                var i = 0
                while i + 16 <= n {
                    let v = load16(src + i)
                    vmax = vmax.replacing(with: v, where: T.lt(vmax, v))
                    i += 16
                }
                var m = vmax.max()
                while i < n { m = Swift.max(m, src[i]); i += 1 }
                if !m.isFinite { m = m.isNaN ? m : 0 }  // an all -inf row stays NaN-free until the division
                let total = expSum(src, log ? nil : dst, n, shift: m)
                if log {
                    let shift = SIMD16<T>(repeating: m + T.log(total))
                    i = 0
                    while i + 16 <= n { store16(load16(src + i) - shift, dst + i); i += 16 }
                    while i < n { dst[i] = src[i] - shift[0]; i += 1 }
                } else {
                    let inv = SIMD16<T>(repeating: 1 / total)
                    i = 0
                    while i + 16 <= n { store16(load16(dst + i) * inv, dst + i); i += 16 }
                    while i < n { dst[i] *= inv[0]; i += 1 }
                }
            }
        }
    }
}

extension Tensor {
    /// Runs the row kernel along `axis` (moved last and back when it is not already last).
    private func softmaxForward(axis: Int, log: Bool, op: String) throws -> Tensor {
        guard dtype.isFloatingPoint else { throw TensorError.dtypeMismatch(op: op, got: dtype, expected: "float32 or float64") }
        let a = try Shape.axis(axis, rank: Swift.max(rank, 1), op: op)
        let moved = rank == 0 ? self : (a == rank - 1 ? self : try GradMode.withoutGrad { try transposed(a, -1) })
        let x = moved.contiguousStorage()
        defer { withExtendedLifetime(x) {} }  // raw pointers below outlive its last use
        let n = x.shape.last ?? 1
        let y = Tensor(shape: x.shape, dtype: dtype, zeroed: false)
        if x.count > 0 {
            switch dtype {
            case .float32: SoftmaxKernel.run(x.base(Float.self), y.base(Float.self), rows: x.count / n, n: n, log: log)
            default: SoftmaxKernel.run(x.base(Double.self), y.base(Double.self), rows: x.count / n, n: n, log: log)
            }
        }
        if rank == 0 || a == rank - 1 { return y }
        return try GradMode.withoutGrad { try y.transposed(a, -1).contiguous() }
    }

    /// e^x / Σ e^x along `axis`.
    public func softmax(axis: Int = -1) throws -> Tensor {
        let out = try softmaxForward(axis: axis, log: false, op: "softmax")
        return try Tensor.record("softmax", inputs: [self], output: out) { g in
            // dx = y ⊙ (g − Σ g⊙y)
            [try (g - (g * out).sum(axes: [axis], keepDims: true)) * out]
        }
    }

    /// x − log Σ e^x along `axis`, without forming the softmax (stable for very negative logits).
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        let out = try softmaxForward(axis: axis, log: true, op: "log_softmax")
        return try Tensor.record("log_softmax", inputs: [self], output: out) { g in
            // dx = g − softmax(x) · Σ g
            [try g - out.exp() * g.sum(axes: [axis], keepDims: true)]
        }
    }
}

// Attention's softmax as one op: scale, causal mask and softmax forward in one pass over each row,
// and the backward in one pass, where the composed form (`* scale`, `+ mask`, `softmax`) took three
// passes forward and five back over the [B, H, T, T] scores.

enum AttentionSoftmaxKernel {
    /// Rows of `n` scores; row r is query position r % `queries` of its matrix, which with `causal`
    /// sees keys 0…position (the rest get weight 0).
    static func forward<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, rows: Int, n: Int, queries: Int,
                                         scale: T, causal: Bool) {
        Parallel.forChunks(rows, costPerItem: n * 8) { range in
            for r in range {
                let src = x + r * n, dst = y + r * n
                let valid = causal ? Swift.min(n, r % queries + 1) : n
                var m = -T.infinity
                for j in 0..<valid { m = Swift.max(m, src[j] * scale) }
                if !m.isFinite { m = m.isNaN ? m : 0 }
                var total: T = 0
                for j in 0..<valid {
                    let e = T.exp(src[j] * scale - m)
                    dst[j] = e
                    total += e
                }
                let inv = 1 / total
                for j in 0..<valid { dst[j] *= inv }
                for j in valid..<n { dst[j] = 0 }
            }
        }
    }

    /// dx = scale · y ⊙ (g − Σ g⊙y), row by row (masked positions have y = 0, so dx = 0).
    static func backward<T: TensorScalar>(_ y: UnsafePointer<T>, _ g: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, rows: Int, n: Int, scale: T) {
        Parallel.forChunks(rows, costPerItem: n * 4) { range in
            for r in range {
                let yr = y + r * n, gr = g + r * n, dr = dx + r * n
                var vdot = SIMD16<T>()
                var j = 0
                while j + 16 <= n { vdot = vdot.addingProduct(load16(yr + j), load16(gr + j)); j += 16 }
                var dot = vdot.sum()
                while j < n { dot += yr[j] * gr[j]; j += 1 }
                let vd = SIMD16<T>(repeating: dot), vs = SIMD16<T>(repeating: scale)
                j = 0
                while j + 16 <= n { store16(vs * load16(yr + j) * (load16(gr + j) - vd), dr + j); j += 16 }
                while j < n { dr[j] = scale * yr[j] * (gr[j] - dot); j += 1 }
            }
        }
    }
}

extension Tensor {
    /// softmax(scale · x + mask) over the last axis of attention scores [..., T, S] as one op
    /// (`attention_softmax`), the mask −∞ above the diagonal when `causal` (query i sees keys
    /// 0…i), with a fused backward.
    public func attentionSoftmax(scale: Double, causal: Bool) throws -> Tensor {
        guard dtype.isFloatingPoint else { throw TensorError.dtypeMismatch(op: "attention_softmax", got: dtype, expected: "float32 or float64") }
        guard rank >= 2, let n = shape.last, n > 0 else {
            throw TensorError.invalidShape(op: "attention_softmax", shape: shape, reason: "expected scores [..., queries, keys]")
        }
        let queries = shape[rank - 2]
        let x = contiguousStorage()
        defer { withExtendedLifetime(x) {} }  // raw pointers below outlive its last use
        let rows = count / n
        let y = Tensor(shape: shape, dtype: dtype, zeroed: false)
        switch dtype {
        case .float32: AttentionSoftmaxKernel.forward(x.base(Float.self), y.base(Float.self), rows: rows, n: n, queries: queries, scale: Float(scale), causal: causal)
        default: AttentionSoftmaxKernel.forward(x.base(Double.self), y.base(Double.self), rows: rows, n: n, queries: queries, scale: scale, causal: causal)
        }
        let inputShape = shape
        return try Tensor.record("attention_softmax", inputs: [self], output: y) { grad in
            let g = grad.contiguousStorage()
            defer { withExtendedLifetime((g, y)) {} }
            let dx = Tensor(shape: inputShape, dtype: grad.dtype, zeroed: false)
            switch grad.dtype {
            case .float32: AttentionSoftmaxKernel.backward(y.base(Float.self), g.base(Float.self), dx.base(Float.self), rows: rows, n: n, scale: Float(scale))
            default: AttentionSoftmaxKernel.backward(y.base(Double.self), g.base(Double.self), dx.base(Double.self), rows: rows, n: n, scale: scale)
            }
            return [dx]
        }
    }
}
