/// Reduction kernels over the middle axis of a contiguous tensor viewed as [outer, R, inner].
enum Reduce {
    /// Sum of `n` contiguous elements: 4×16 SIMD accumulators per block of 4096, blocks added in
    /// Double, so 16M-element sums stay accurate without giving up vector speed.
    @inline(__always)
    static func sum<T: TensorScalar>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < n {
            let end = Swift.min(start + 4096, n)
            var a0 = SIMD16<T>(), a1 = SIMD16<T>(), a2 = SIMD16<T>(), a3 = SIMD16<T>()
            var i = start
            while i + 64 <= end {
                a0 += load16(p + i); a1 += load16(p + i + 16); a2 += load16(p + i + 32); a3 += load16(p + i + 48)
                i += 64
            }
            while i + 16 <= end { a0 += load16(p + i); i += 16 }
            if i < end { a1 += loadPartial(p + i, end - i) }
            total += Double(((a0 + a1) + (a2 + a3)).sum())
            start = end
        }
        return total
    }

    /// out[o, j] = Σ_r x[o, r, j] for x viewed as [outer, R, inner].
    static func sumMiddle<T: TensorScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                           outer: Int, reduced: Int, inner: Int) {
        if inner == 1 {
            if outer == 1 {
                // One long sum: split it across threads and add the partial sums.
                let chunks = Swift.min(ThreadState.current.kernelThreads ?? Engine.threads, Swift.max(1, reduced / Engine.parallelThreshold))
                var partial = [Double](repeating: 0, count: chunks)
                partial.withUnsafeMutableBufferPointer { parts in
                    Parallel.forChunks(chunks, costPerItem: Engine.parallelThreshold) { r in
                        for c in r {
                            let lo = reduced * c / chunks, hi = reduced * (c + 1) / chunks
                            parts[c] = sum(x + lo, hi - lo)
                        }
                    }
                }
                out[0] = T(partial.reduce(0, +))
                return
            }
            Parallel.forChunks(outer, costPerItem: reduced) { r in
                for o in r { out[o] = T(sum(x + o * reduced, reduced)) }
            }
            return
        }
        Parallel.forChunks(outer, costPerItem: reduced * inner) { r in
            for o in r {
                let dst = out + o * inner
                dst.update(repeating: 0, count: inner)
                for k in 0..<reduced {
                    let src = x + (o * reduced + k) * inner
                    var j = 0
                    while j + 16 <= inner { store16(load16(dst + j) + load16(src + j), dst + j); j += 16 }
                    while j < inner { dst[j] += src[j]; j += 1 }
                }
            }
        }
    }

    /// Maximum and its first index along the middle axis of [outer, R, inner]; NaN wins, as in PyTorch.
    static func maxMiddle<T: TensorScalar>(_ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                           _ index: UnsafeMutablePointer<Int>, outer: Int, reduced: Int, inner: Int) {
        Parallel.forChunks(outer * inner, costPerItem: reduced) { r in
            for flat in r {
                let o = flat / inner, j = flat % inner
                let base = x + o * reduced * inner + j
                var best = base[0], bestIndex = 0
                if !best.isNaN {
                    for k in 1..<Swift.max(reduced, 1) {
                        let v = base[k * inner]
                        if v.isNaN { best = v; bestIndex = k; break }
                        if v > best { best = v; bestIndex = k }
                    }
                }
                out[flat] = best
                index[flat] = bestIndex
            }
        }
    }
}
