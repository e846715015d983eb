// Max and average pooling over NCHW tensors.

extension Tensor {
    private func poolGeometry(_ op: String, kernel: Int, stride: Int?, padding: Int) throws -> ConvGeometry {
        guard rank == 4 else { throw TensorError.invalidShape(op: op, shape: shape, reason: "the input must be [N, C, H, W]") }
        guard dtype.isFloatingPoint else { throw TensorError.dtypeMismatch(op: op, got: dtype, expected: "float32 or float64") }
        let s = stride ?? kernel
        guard kernel >= 1, s >= 1, padding >= 0, padding * 2 <= kernel else {
            throw TensorError.invalidArgument(op: op, reason: "kernel \(kernel) and stride \(s) must be ≥ 1, padding \(padding) between 0 and kernel/2")
        }
        guard shape[2] + 2 * padding >= kernel, shape[3] + 2 * padding >= kernel else {
            throw TensorError.invalidShape(op: op, shape: shape, reason: "the \(kernel)×\(kernel) window is larger than the padded input")
        }
        return ConvGeometry(n: shape[0], c: shape[1], h: shape[2], w: shape[3], kh: kernel, kw: kernel,
                            sh: s, sw: s, ph: padding, pw: padding)
    }

    /// Maximum over each `kernel`×`kernel` window (stride defaults to the kernel size); the gradient
    /// goes to the (first) maximal element of each window.
    public func maxPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> Tensor {
        let g = try poolGeometry("max_pool2d", kernel: kernel, stride: stride, padding: padding)
        let x = contiguousStorage()
        defer { withExtendedLifetime(x) {} }  // raw pointers below outlive its last use
        let planes = g.n * g.c, outPlane = g.oh * g.ow, inPlane = g.h * g.w
        let out = Tensor(shape: [g.n, g.c, g.oh, g.ow], dtype: dtype, zeroed: false)
        // Inference (no gradient to route) of the common 2×2/2 window: eight outputs per vector
        // step and no argmax to keep.
        if dtype == .float32, !(ThreadState.current.gradEnabled && requiresGrad),
           g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 {
            let src = x.base(Float.self), dst = out.base(Float.self)
            Parallel.forChunks(planes, costPerItem: inPlane) { range in
                for p in range {
                    for oy in 0..<g.oh {
                        Self.maxPool2x2Row(src + p * inPlane + 2 * oy * g.w, width: g.w, into: dst + p * outPlane + oy * g.ow, count: g.ow)
                    }
                }
            }
            return try Tensor.record("max_pool2d", inputs: [self], output: out, differentiable: false)
        }
        var argmax = [Int](repeating: 0, count: planes * outPlane)
        func run<T: TensorScalar>(_: T.Type) {
            let src = x.base(T.self), dst = out.base(T.self)
            argmax.withUnsafeMutableBufferPointer { am in
                Parallel.forChunks(planes, costPerItem: outPlane * kernel * kernel) { range in
                    if g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 {
                        // The common 2×2/2 case: eight outputs per vector step when float32
                        // (`maxPool2x2RowWithIndices`), else four loads per output, no bounds checks.
                        if T.self == Float.self {
                            let fsrc = UnsafeMutableRawPointer(src).assumingMemoryBound(to: Float.self)
                            let fdst = UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self)
                            for p in range {
                                for oy in 0..<g.oh {
                                    Self.maxPool2x2RowWithIndices(fsrc + p * inPlane + 2 * oy * g.w, width: g.w, rowStart: 2 * oy * g.w,
                                                                  into: fdst + p * outPlane + oy * g.ow, indices: am.baseAddress! + p * outPlane + oy * g.ow,
                                                                  count: g.ow)
                                }
                            }
                            return
                        }
                        for p in range {
                            let plane = src + p * inPlane, o = dst + p * outPlane, a = am.baseAddress! + p * outPlane
                            for oy in 0..<g.oh {
                                let row = 2 * oy * g.w
                                for ox in 0..<g.ow {
                                    let first = row + 2 * ox
                                    var bestIndex = first, best = plane[first]
                                    @inline(__always) func consider(_ i: Int) {
                                        let v = plane[i]
                                        if v > best || v.isNaN && !best.isNaN { best = v; bestIndex = i }
                                    }
                                    consider(first + 1)
                                    consider(first + g.w)
                                    consider(first + g.w + 1)
                                    o[oy * g.ow + ox] = best
                                    a[oy * g.ow + ox] = bestIndex
                                }
                            }
                        }
                        return
                    }
                    for p in range {
                        let plane = src + p * inPlane
                        for oy in 0..<g.oh {
                            for ox in 0..<g.ow {
                                var best = -T.infinity, bestIndex = -1
                                for ki in 0..<g.kh {
                                    let iy = oy * g.sh + ki - g.ph
                                    if iy < 0 || iy >= g.h { continue }
                                    for kj in 0..<g.kw {
                                        let ix = ox * g.sw + kj - g.pw
                                        if ix < 0 || ix >= g.w { continue }
                                        let v = plane[iy * g.w + ix]
                                        if v > best || bestIndex < 0 || v.isNaN && !best.isNaN { best = v; bestIndex = iy * g.w + ix }
                                    }
                                }
                                dst[p * outPlane + oy * g.ow + ox] = best
                                am[p * outPlane + oy * g.ow + ox] = bestIndex
                            }
                        }
                    }
                }
            }
        }
        if dtype == .float32 { run(Float.self) } else { run(Double.self) }
        let inputShape = shape
        return try Tensor.record("max_pool2d", inputs: [self], output: out) { grad in
            let gc = grad.contiguousStorage()
            defer { withExtendedLifetime(gc) {} }  // raw pointers below outlive its last use
            let dx = Tensor.zeros(inputShape, dtype: grad.dtype)
            func back<T: TensorScalar>(_: T.Type) {
                let s = gc.base(T.self), d = dx.base(T.self)
                for p in 0..<planes {
                    for i in 0..<outPlane { d[p * inPlane + argmax[p * outPlane + i]] += s[p * outPlane + i] }
                }
            }
            if grad.dtype == .float32 { back(Float.self) } else { back(Double.self) }
            return [dx]
        }
    }

    /// One output row of a 2×2/2 max pool: `row` and the row below it (`width` apart) → `count`
    /// maxima. A NaN in a window gives NaN, as the general path does.
    @inline(__always)
    static func maxPool2x2Row(_ row: UnsafePointer<Float>, width: Int, into out: UnsafeMutablePointer<Float>, count: Int) {
        @inline(__always) func vmax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
            a.replacing(with: b, where: b .> a).replacing(with: .nan, where: (a .!= a) .| (b .!= b))
        }
        var ox = 0
        while 2 * ox + 16 <= width && ox + 8 <= count {
            let top = UnsafeRawPointer(row + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            let bottom = UnsafeRawPointer(row + width + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            let m = vmax(vmax(top.evenHalf, top.oddHalf), vmax(bottom.evenHalf, bottom.oddHalf))
            UnsafeMutableRawPointer(out + ox).storeBytes(of: m, as: SIMD8<Float>.self)
            ox += 8
        }
        while ox < count {
            let i = 2 * ox
            var best = row[i]
            @inline(__always) func consider(_ v: Float) { if v > best || v.isNaN && !best.isNaN { best = v } }
            consider(row[i + 1])
            consider(row[i + width])
            consider(row[i + width + 1])
            out[ox] = best
            ox += 1
        }
    }

    /// One output row of a 2×2/2 max pool with each maximum's index in its plane (`rowStart` is
    /// the row's first index): the training path's forward. The first maximal element of each
    /// window wins (in the order top-left, top-right, bottom-left, bottom-right), and a NaN wins
    /// over numbers, as the scalar path decides.
    @inline(__always)
    static func maxPool2x2RowWithIndices(_ row: UnsafePointer<Float>, width: Int, rowStart: Int, into out: UnsafeMutablePointer<Float>,
                                         indices: UnsafeMutablePointer<Int>, count: Int) {
        var ox = 0
        while 2 * ox + 16 <= width && ox + 8 <= count {
            let top = UnsafeRawPointer(row + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            let bottom = UnsafeRawPointer(row + width + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
            var best = top.evenHalf, which = SIMD8<Int32>(repeating: 0)
            @inline(__always) func consider(_ candidate: SIMD8<Float>, _ k: Int32) {
                let take = (candidate .> best) .| ((candidate .!= candidate) .& (best .== best))
                best = best.replacing(with: candidate, where: take)
                which = which.replacing(with: SIMD8(repeating: k), where: take)
            }
            consider(top.oddHalf, 1)
            consider(bottom.evenHalf, 2)
            consider(bottom.oddHalf, 3)
            UnsafeMutableRawPointer(out + ox).storeBytes(of: best, as: SIMD8<Float>.self)
            for l in 0..<8 {
                let k = Int(which[l])
                indices[ox + l] = rowStart + 2 * (ox + l) + (k & 1) + (k >> 1) * width
            }
            ox += 8
        }
        while ox < count {
            let first = 2 * ox
            var best = row[first], bestIndex = first
            @inline(__always) func consider(_ i: Int) {
                let v = row[i]
                if v > best || v.isNaN && !best.isNaN { best = v; bestIndex = i }
            }
            consider(first + 1)
            consider(first + width)
            consider(first + width + 1)
            out[ox] = best
            indices[ox] = rowStart + bestIndex
            ox += 1
        }
    }

    /// Mean over each `kernel`×`kernel` window (stride defaults to the kernel size); padded
    /// positions count as zeros in the mean (PyTorch's `count_include_pad=True`).
    public func avgPool2d(kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> Tensor {
        let g = try poolGeometry("avg_pool2d", kernel: kernel, stride: stride, padding: padding)
        let x = contiguousStorage()
        defer { withExtendedLifetime(x) {} }  // raw pointers below outlive its last use
        let planes = g.n * g.c, outPlane = g.oh * g.ow, inPlane = g.h * g.w
        let scale = 1.0 / Double(kernel * kernel)
        let out = Tensor(shape: [g.n, g.c, g.oh, g.ow], dtype: dtype, zeroed: false)
        // Visits every (output, input) pair of the windows; `body(outIndex, inIndex)` per pair.
        func forEachPair(_ body: (Int, Int) -> Void) {
            for oy in 0..<g.oh {
                for ox in 0..<g.ow {
                    for ki in 0..<g.kh {
                        let iy = oy * g.sh + ki - g.ph
                        if iy < 0 || iy >= g.h { continue }
                        for kj in 0..<g.kw {
                            let ix = ox * g.sw + kj - g.pw
                            if ix >= 0 && ix < g.w { body(oy * g.ow + ox, iy * g.w + ix) }
                        }
                    }
                }
            }
        }
        func run<T: TensorScalar>(_: T.Type) {
            let src = x.base(T.self), dst = out.base(T.self)
            dst.update(repeating: 0, count: out.count)
            for p in 0..<planes {
                let s = src + p * inPlane, d = dst + p * outPlane
                forEachPair { o, i in d[o] += s[i] }
                for o in 0..<outPlane { d[o] *= T(scale) }
            }
        }
        if dtype == .float32 { run(Float.self) } else { run(Double.self) }
        let inputShape = shape
        return try Tensor.record("avg_pool2d", inputs: [self], output: out) { grad in
            let gc = grad.contiguousStorage()
            defer { withExtendedLifetime(gc) {} }  // raw pointers below outlive its last use
            let dx = Tensor.zeros(inputShape, dtype: grad.dtype)
            func back<T: TensorScalar>(_: T.Type) {
                let s = gc.base(T.self), d = dx.base(T.self)
                for p in 0..<planes {
                    let gs = s + p * outPlane, dd = d + p * inPlane
                    forEachPair { o, i in dd[i] += gs[o] * T(scale) }
                }
            }
            if grad.dtype == .float32 { back(Float.self) } else { back(Double.self) }
            return [dx]
        }
    }
}
