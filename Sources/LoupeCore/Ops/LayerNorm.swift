// Layer normalization over the last axis as one fused op, with its own backward: two passes over
// each row forward, two backward, instead of the eight element-wise ops (and their backward) of the
// composed form, which `LayerNorm`'s tests keep as the reference.

enum LayerNormKernel {
    /// For each of `rows` rows of `n`: mean and 1/√(var + eps) into `stats` (2 per row), and
    /// y = (x − mean)·rstd·γ + β.
    static func forward<T: TensorScalar>(_ x: UnsafePointer<T>, _ gamma: UnsafePointer<T>, _ beta: UnsafePointer<T>,
                                         _ y: UnsafeMutablePointer<T>, _ stats: UnsafeMutablePointer<T>, rows: Int, n: Int, eps: T) {
        Parallel.forChunks(rows, costPerItem: n * 4) { range in
            for r in range {
                let src = x + r * n, dst = y + r * n
                var vsum = SIMD16<T>()
                var i = 0
                while i + 16 <= n { vsum += load16(src + i); i += 16 }
                var sum = vsum.sum()
                while i < n { sum += src[i]; i += 1 }
                let mean = sum / T(n)
                let vmean = SIMD16<T>(repeating: mean)
                var vsq = SIMD16<T>()
                i = 0
                while i + 16 <= n { let d = load16(src + i) - vmean; vsq = vsq.addingProduct(d, d); i += 16 }
                var sq = vsq.sum()
                while i < n { let d = src[i] - mean; sq += d * d; i += 1 }
                let rstd = 1 / (sq / T(n) + eps).squareRoot()
                stats[2 * r] = mean
                stats[2 * r + 1] = rstd
                let vr = SIMD16<T>(repeating: rstd)
                i = 0
                while i + 16 <= n {
                    store16(((load16(src + i) - vmean) * vr).addingProduct0(load16(gamma + i), load16(beta + i)), dst + i)
                    i += 16
                }
                while i < n { dst[i] = (src[i] - mean) * rstd * gamma[i] + beta[i]; i += 1 }
            }
        }
    }

    /// dx for each row, and dγ, dβ summed over the rows (per chunk, then added):
    /// x̂ = (x − mean)·rstd, g' = g·γ, dx = rstd·(g' − mean(g') − x̂·mean(g'·x̂)).
    static func backward<T: TensorScalar>(_ x: UnsafePointer<T>, _ g: UnsafePointer<T>, _ gamma: UnsafePointer<T>, _ stats: UnsafePointer<T>,
                                          _ dx: UnsafeMutablePointer<T>, _ dGamma: UnsafeMutablePointer<T>, _ dBeta: UnsafeMutablePointer<T>,
                                          rows: Int, n: Int) {
        let chunks = max(1, min(ThreadState.current.kernelThreads ?? Engine.threads, rows))
        var partial = [T](repeating: 0, count: chunks * 2 * n)
        partial.withUnsafeMutableBufferPointer { partials in
            let base = partials.baseAddress!
            Parallel.forChunks(chunks, costPerItem: rows * n * 6 / chunks) { chunkRange in
                for c in chunkRange {
                    let lo = rows * c / chunks, hi = rows * (c + 1) / chunks
                    let pg = base + c * 2 * n, pb = pg + n
                    for r in lo..<hi {
                        let xr = x + r * n, gr = g + r * n, dr = dx + r * n
                        let mean = stats[2 * r], rstd = stats[2 * r + 1]
                        var sumG: T = 0, sumGX: T = 0
                        for i in 0..<n {
                            let xhat = (xr[i] - mean) * rstd
                            let gi = gr[i] * gamma[i]
                            sumG += gi
                            sumGX += gi * xhat
                            pg[i] += gr[i] * xhat
                            pb[i] += gr[i]
                        }
                        let meanG = sumG / T(n), meanGX = sumGX / T(n)
                        for i in 0..<n {
                            let xhat = (xr[i] - mean) * rstd
                            dr[i] = rstd * (gr[i] * gamma[i] - meanG - xhat * meanGX)
                        }
                    }
                }
            }
            for i in 0..<n {
                var sg: T = 0, sb: T = 0
                for c in 0..<chunks { sg += base[c * 2 * n + i]; sb += base[c * 2 * n + n + i] }
                dGamma[i] = sg
                dBeta[i] = sb
            }
        }
    }
}

private extension SIMD16 where Scalar: TensorScalar {
    /// self · a + b (an FMA).
    @inline(__always) func addingProduct0(_ a: SIMD16<Scalar>, _ b: SIMD16<Scalar>) -> SIMD16<Scalar> { b.addingProduct(self, a) }
}

extension Tensor {
    /// (x − mean) / √(var + eps) · weight + bias over the last axis, as one op (`layer_norm`) with a
    /// fused backward; `weight` and `bias` are [D] for x [..., D]. The variance is the biased one,
    /// as PyTorch's `layer_norm` uses.
    public func layerNorm(weight: Tensor, bias: Tensor, eps: Double) throws -> Tensor {
        guard dtype.isFloatingPoint, weight.dtype == dtype, bias.dtype == dtype else {
            throw TensorError.dtypeMismatch(op: "layer_norm", got: dtype, expected: "float32 or float64, like its weight and bias")
        }
        guard let n = shape.last, n > 0, weight.shape == [n], bias.shape == [n] else {
            throw TensorError.shapeMismatch(op: "layer_norm", lhs: shape, rhs: weight.shape, expected: "x [..., D] with weight and bias [D]")
        }
        let x = contiguousStorage(), w = weight.contiguousStorage(), b = bias.contiguousStorage()
        defer { withExtendedLifetime((x, w, b)) {} }  // raw pointers below outlive their last use
        let rows = count / n
        let y = Tensor(shape: shape, dtype: dtype, zeroed: false)
        let stats = Tensor(shape: [rows, 2], dtype: dtype, zeroed: false)
        switch dtype {
        case .float32: LayerNormKernel.forward(x.base(Float.self), w.base(Float.self), b.base(Float.self), y.base(Float.self), stats.base(Float.self), rows: rows, n: n, eps: Float(eps))
        default: LayerNormKernel.forward(x.base(Double.self), w.base(Double.self), b.base(Double.self), y.base(Double.self), stats.base(Double.self), rows: rows, n: n, eps: eps)
        }
        let inputShape = shape
        return try Tensor.record("layer_norm", inputs: [self, weight, bias], output: y) { grad in
            let g = grad.contiguousStorage()
            defer { withExtendedLifetime((g, x, w, stats)) {} }
            let dx = Tensor(shape: inputShape, dtype: grad.dtype, zeroed: false)
            let dw = Tensor(shape: [n], dtype: grad.dtype, zeroed: false), db = Tensor(shape: [n], dtype: grad.dtype, zeroed: false)
            switch grad.dtype {
            case .float32:
                LayerNormKernel.backward(x.base(Float.self), g.base(Float.self), w.base(Float.self), stats.base(Float.self),
                                         dx.base(Float.self), dw.base(Float.self), db.base(Float.self), rows: rows, n: n)
            default:
                LayerNormKernel.backward(x.base(Double.self), g.base(Double.self), w.base(Double.self), stats.base(Double.self),
                                         dx.base(Double.self), dw.base(Double.self), db.base(Double.self), rows: rows, n: n)
            }
            return [dx, dw, db]
        }
    }
}
