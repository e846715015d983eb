import CLoupeKernels
import LoupeCore

/// ``Conv2d`` with 8-bit weights and activations, for inference: [N, C, H, W] → [N, OC, OH, OW].
///
/// Each image is rounded to 8 bits (its own scale, or the layer's static one), unfolded into
/// patches of bytes (im2col, padding with the code of 0), and multiplied by the int8 kernels
/// (``Int8Matrix``); images are spread across the engine's threads.
///
/// State: `weight` [OC, C, KH, KW] codes, `weightScale` [OC], `bias` [OC], and with static
/// activations `inputScale` [1]. No gradients flow through it.
public final class QuantizedConv2d: Module {
    public let weight: Buffer
    public let weightScale: Buffer
    public let bias: Buffer?
    public let inputScale: Buffer?
    public let activations: Int8Activations
    public let stride: Int, padding: Int
    private var packed: (weights: Weights, weight: ObjectIdentifier, scale: ObjectIdentifier)?

    public init(_ conv: Conv2d, activations: Int8Activations, inputScale: Float? = nil) throws {
        let shape = conv.weight.shape
        let (oc, k) = (shape[0], shape.dropFirst().reduce(1, *))
        let q = try Int8Matrix.quantize(try conv.weight.value.to(.float32).contiguous().floats(), rows: oc, columns: k, name: conv.name)
        weight = Buffer(Tensor(indices: q.codes.map(Int.init), shape: shape), int8: true)
        weightScale = Buffer(Tensor(q.scales, shape: [oc]))
        bias = try conv.bias.map { Buffer(try $0.value.to(.float32).detach()) }
        self.activations = activations
        self.inputScale = activations == .static ? Buffer(Tensor([inputScale ?? 0], shape: [1])) : nil
        (stride, padding) = (conv.stride, conv.padding)
        super.init()
    }

    /// The weights in the two forms the convolution multiplies them in.
    ///
    /// - Few inputs per output (k < 64, a first layer's 3×3 over one channel): the product is
    ///   dominated by writing it, so it runs as W · patchesᵀ, straight into the output's
    ///   [OC, patches] layout: the weights are the GEMM's first operand (codes + 128, rows padded
    ///   to 4 with 128) and each image's patches the packed one (their codes fit s8).
    /// - Otherwise as patches · Wᵀ with the weights packed once (``Int8Matrix``), and the
    ///   [patches, OC] product transposed in blocks.
    struct Weights {
        let scales: [Float], k: Int, stride: Int
        /// Only the form the product uses is built: `bytes` when weights-first, `matrix` otherwise.
        let bytes: [UInt8], matrix: Int8Matrix?
        static func weightsFirst(k: Int) -> Bool { k < 64 }
        var weightsFirst: Bool { Self.weightsFirst(k: k) }
    }

    func weights() throws -> Weights {
        let ids = (ObjectIdentifier(weight.value), ObjectIdentifier(weightScale.value))
        if let packed, packed.weight == ids.0, packed.scale == ids.1 { return packed.weights }
        let shape = weight.value.shape
        let (oc, k) = (shape[0], shape.dropFirst().reduce(1, *))
        guard k <= Int(LOUPE_I8_MAX_K) else {
            throw TensorError.invalidArgument(op: "QuantizedConv2d '\(name)'", reason: "\(k) inputs per output exceed the int8 kernel's \(LOUPE_I8_MAX_K)")
        }
        let codes = weight.value.ints(), scales = try weightScale.value.to(.float32).floats()
        if let bad = codes.firstIndex(where: { !(-127...127).contains($0) }) {
            throw TensorError.invalidArgument(op: "QuantizedConv2d '\(name)'", reason: "code \(bad) is \(codes[bad]); int8 weights are −127…127")
        }
        if let bad = scales.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw TensorError.invalidArgument(op: "QuantizedConv2d '\(name)'", reason: "scale \(bad) is \(scales[bad]), not a finite number ≥ 0")
        }
        let stride = Int(loupe_i8_min_ldx(Int32(k)))
        var bytes: [UInt8] = [], matrix: Int8Matrix?
        if Weights.weightsFirst(k: k) {
            bytes = [UInt8](repeating: 128, count: oc * stride)
            for o in 0..<oc { for j in 0..<k { bytes[o * stride + j] = UInt8(codes[o * k + j] + 128) } }
        } else {
            matrix = try Int8Matrix(codes: codes.map { Int8($0) }, scales: scales, rows: oc, columns: k, name: name)
        }
        let w = Weights(scales: scales, k: k, stride: stride, bytes: bytes, matrix: matrix)
        packed = (w, ids.0, ids.1)
        return w
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        let w = weight.value.shape
        let (oc, c, kh, kw) = (w[0], w[1], w[2], w[3])
        guard x.rank == 4, x.shape[1] == c, x.dtype == .float32 else {
            throw TensorError.shapeMismatch(op: "QuantizedConv2d '\(name)'", lhs: x.shape, rhs: w,
                                            expected: "float32 input [N, \(c), H, W]")
        }
        let (n, h, wd) = (x.shape[0], x.shape[2], x.shape[3])
        let oh = (h + 2 * padding - kh) / stride + 1, ow = (wd + 2 * padding - kw) / stride + 1
        guard oh >= 1, ow >= 1 else {
            throw TensorError.invalidShape(op: "QuantizedConv2d '\(name)'", shape: x.shape, reason: "the \(kh)×\(kw) kernel is larger than the padded input")
        }
        let weights = try weights()
        let fixed = try inputScale.map { try $0.value.to(.float32).floats()[0] }
        let biasValues = try bias.map { try $0.value.to(.float32).floats() }
        let imageSize = c * h * wd, patches = oh * ow, k = weights.k
        let (stride, padding) = (self.stride, self.padding)
        let y = try x.contiguous().withContiguousFloats { xs in
            Tensor(shape: [n, oc, oh, ow]) { out in
                Engine.forChunks(n, costPerItem: patches * k * oc / 16) { images in
                    // Per thread: one image's bytes, its patches (s8 codes), their packed panels and sums.
                    // 4 bytes of slack: the unfolding copies kernel rows 4 bytes at a time.
                    var image = [UInt8](repeating: 128, count: imageSize + 4)
                    var columns = [UInt8](repeating: 0, count: patches * k + 4)
                    var panels = [Int8](repeating: 0, count: weights.weightsFirst ? loupe_i8_packed_bytes(Int32(patches), Int32(k)) : 0)
                    var product = [Float](repeating: 0, count: weights.weightsFirst ? 0 : patches * oc)
                    var rows = [UInt8](repeating: 128, count: weights.weightsFirst ? 0 : patches * weights.stride + 4)
                    var sums = [Int32](repeating: 0, count: patches)
                    var scale: Float = 0
                    for i in images {
                        image.withUnsafeMutableBufferPointer { img in
                            Int8Activation.quantize(xs.baseAddress! + i * imageSize, m: 1, k: imageSize, into: img.baseAddress!, stride: imageSize,
                                                    scales: &scale, fixedScale: fixed)
                        }
                        let dst = out.baseAddress! + i * oc * patches
                        if weights.weightsFirst {
                            Self.multiplyWeightsFirst(image, weights, c: c, h: h, w: wd, kh: kh, kw: kw, stride: stride, padding: padding, oh: oh, ow: ow,
                                                      scale: scale, columns: &columns, panels: &panels, sums: &sums, into: dst)
                        } else {
                            Self.multiplyPatchesFirst(image, weights, c: c, h: h, w: wd, kh: kh, kw: kw, stride: stride, padding: padding, oh: oh, ow: ow,
                                                      scale: scale, rows: &rows, product: &product, into: dst)
                        }
                        if let biasValues {
                            for o in 0..<oc {
                                let row = dst + o * patches, b = biasValues[o]
                                for p in 0..<patches { row[p] += b }
                            }
                        }
                        // A non-finite image scale (a NaN or ∞ in the image) gives NaN.
                        if !scale.isFinite { for j in 0..<(oc * patches) { dst[j] = .nan } }
                    }
                }
            }
        }
        try Hooks.emitForward(op: "int8_conv2d", modulePath: ModuleScope.currentPath, inputs: [x, weight.value], output: y)
        return y
    }

    /// One image as W · patchesᵀ → [OC, patches] at `out` (no bias).
    static func multiplyWeightsFirst(_ image: [UInt8], _ weights: Weights, c: Int, h: Int, w: Int, kh: Int, kw: Int, stride: Int, padding: Int,
                                     oh: Int, ow: Int, scale: Float, columns: inout [UInt8], panels: inout [Int8], sums: inout [Int32],
                                     into out: UnsafeMutablePointer<Float>) {
        let patches = oh * ow, k = weights.k, oc = weights.scales.count
        image.withUnsafeBufferPointer { img in
            columns.withUnsafeMutableBufferPointer { col in
                unfold(img.baseAddress!, c: c, h: h, w: w, kh: kh, kw: kw, stride: stride, padding: padding, oh: oh, ow: ow,
                       into: col.baseAddress!, rowStride: k)
                // Biased bytes (code + 128) to s8 codes: flipping the top bit.
                for j in 0..<(patches * k) { col[j] ^= 0x80 }
                col.baseAddress!.withMemoryRebound(to: Int8.self, capacity: patches * k) { codes in
                    _ = loupe_i8_pack(codes, Int32(patches), Int32(k), &panels, &sums)
                }
            }
        }
        let imageScales = [Float](repeating: scale, count: patches)
        weights.bytes.withUnsafeBufferPointer { wb in
            weights.scales.withUnsafeBufferPointer { ws in
                loupe_i8_gemm(wb.baseAddress!, Int32(oc), Int32(k), weights.stride, panels, sums, Int32(patches),
                              ws.baseAddress!, imageScales, nil, 0, out, patches)
            }
        }
    }

    /// One image as patches · Wᵀ → [patches, OC], transposed into [OC, patches] at `out` (no bias).
    static func multiplyPatchesFirst(_ image: [UInt8], _ weights: Weights, c: Int, h: Int, w: Int, kh: Int, kw: Int, stride: Int, padding: Int,
                                     oh: Int, ow: Int, scale: Float, rows: inout [UInt8], product: inout [Float],
                                     into out: UnsafeMutablePointer<Float>) {
        let patches = oh * ow, oc = weights.scales.count
        image.withUnsafeBufferPointer { img in
            rows.withUnsafeMutableBufferPointer { r in
                unfold(img.baseAddress!, c: c, h: h, w: w, kh: kh, kw: kw, stride: stride, padding: padding, oh: oh, ow: ow,
                       into: r.baseAddress!, rowStride: weights.stride)
            }
        }
        let scales = [Float](repeating: scale, count: patches)
        rows.withUnsafeBufferPointer { r in
            product.withUnsafeMutableBufferPointer { p in
                // One image is one task already: the kernel runs on this thread.
                Engine.withKernelThreads(1) {
                    weights.matrix?.multiply(r.baseAddress!, stride: weights.stride, m: patches, xScales: scales, bias: nil, relu: false, into: p.baseAddress!)
                }
            }
        }
        // 16 patches at a time, so the rows read stay in L1.
        product.withUnsafeBufferPointer { src in
            var p0 = 0
            while p0 < patches {
                let p1 = min(p0 + 16, patches)
                for o in 0..<oc {
                    for p in p0..<p1 { out[o * patches + p] = src[p * oc + o] }
                }
                p0 = p1
            }
        }
    }

    /// Unfolds one image of bytes [C, H, W] into patches [OH·OW, rowStride]: patch (y, x) holds
    /// the kernel window's bytes in (ci, ky, kx) order, 128 (the code of 0) where it overhangs.
    /// Windows inside the image copy each kernel row as one 4-byte load and store (the extra
    /// byte is overwritten by the next row, or lands in the slack the buffers keep).
    static func unfold(_ img: UnsafePointer<UInt8>, c: Int, h: Int, w: Int, kh: Int, kw: Int, stride: Int, padding: Int,
                       oh: Int, ow: Int, into col: UnsafeMutablePointer<UInt8>, rowStride: Int) {
        for py in 0..<oh {
            let y0 = py * stride - padding
            for px in 0..<ow {
                let x0 = px * stride - padding
                var dst = col + (py * ow + px) * rowStride
                if kw <= 4, y0 >= 0, y0 + kh <= h, x0 >= 0, x0 + kw <= w {
                    for ci in 0..<c {
                        var src = img + (ci * h + y0) * w + x0
                        for _ in 0..<kh {
                            UnsafeMutableRawPointer(dst).storeBytes(of: UnsafeRawPointer(src).loadUnaligned(as: UInt32.self), as: UInt32.self)
                            dst += kw
                            src += w
                        }
                    }
                    // The last row's extra byte fell on this patch's first padding column (or the next patch, rewritten next).
                    if rowStride > c * kh * kw { dst.pointee = 128 }
                } else {
                    for ci in 0..<c {
                        for ky in 0..<kh {
                            let sy = y0 + ky
                            for kx in 0..<kw {
                                let sx = x0 + kx
                                dst.pointee = sy >= 0 && sy < h && sx >= 0 && sx < w ? img[(ci * h + sy) * w + sx] : 128
                                dst += 1
                            }
                        }
                    }
                }
            }
        }
    }
}
