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
    private var packed: (matrix: Int8Matrix, weight: ObjectIdentifier, scale: ObjectIdentifier)?

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

    func matrix() throws -> Int8Matrix {
        let ids = (ObjectIdentifier(weight.value), ObjectIdentifier(weightScale.value))
        if let packed, packed.weight == ids.0, packed.scale == ids.1 { return packed.matrix }
        let shape = weight.value.shape
        let m = try Int8Matrix(codes: weight.value.ints().map { Int8(clamping: $0) }, scales: weightScale.value.to(.float32).floats(),
                               rows: shape[0], columns: shape.dropFirst().reduce(1, *), name: name)
        packed = (m, ids.0, ids.1)
        return m
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
        let matrix = try matrix()
        let fixed = try inputScale.map { try $0.value.to(.float32).floats()[0] }
        let biasValues = try bias.map { try $0.value.to(.float32).floats() } ?? [Float](repeating: 0, count: oc)
        let imageSize = c * h * wd, patches = oh * ow, kStride = matrix.paddedColumns
        let (stride, padding) = (self.stride, self.padding)
        let y = try x.contiguous().withContiguousFloats { xs in
            Tensor(shape: [n, oc, oh, ow]) { out in
                Engine.forChunks(n, costPerItem: patches * kStride * oc / 16) { images in
                    // Per thread: one image's bytes, its patches and the [patches, OC] product.
                    var image = [UInt8](repeating: 128, count: imageSize)
                    var columns = [UInt8](repeating: 128, count: patches * kStride)
                    var product = [Float](repeating: 0, count: patches * oc)
                    var scale: Float = 0
                    for i in images {
                        image.withUnsafeMutableBufferPointer { img in
                            Int8Activation.quantize(xs.baseAddress! + i * imageSize, m: 1, k: imageSize, into: img.baseAddress!, stride: imageSize,
                                                    scales: &scale, fixedScale: fixed)
                        }
                        // im2col on bytes: patch p = (y, x), column (ci, ky, kx) as the weight's [C, KH, KW].
                        image.withUnsafeBufferPointer { img in
                            columns.withUnsafeMutableBufferPointer { col in
                                for py in 0..<oh {
                                    for px in 0..<ow {
                                        var dst = col.baseAddress! + (py * ow + px) * kStride
                                        for ci in 0..<c {
                                            for ky in 0..<kh {
                                                let sy = py * stride + ky - padding
                                                for kx in 0..<kw {
                                                    let sx = px * stride + kx - padding
                                                    dst.pointee = sy >= 0 && sy < h && sx >= 0 && sx < wd ? img[(ci * h + sy) * wd + sx] : 128
                                                    dst += 1
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        let scales = [Float](repeating: scale, count: patches)
                        columns.withUnsafeBufferPointer { col in
                            scales.withUnsafeBufferPointer { s in
                                biasValues.withUnsafeBufferPointer { b in
                                    product.withUnsafeMutableBufferPointer { p in
                                        // One image is one task already: the kernel runs on this thread.
                                        Engine.withKernelThreads(1) {
                                            matrix.multiply(col.baseAddress!, stride: kStride, m: patches, xScales: s.baseAddress!, bias: b.baseAddress!,
                                                            relu: false, into: p.baseAddress!)
                                        }
                                    }
                                }
                            }
                        }
                        // [patches, OC] → [OC, patches]; a non-finite image scale (a NaN or ∞ in the image) gives NaN.
                        let dst = out.baseAddress! + i * oc * patches
                        for o in 0..<oc {
                            for p in 0..<patches { dst[o * patches + p] = scale.isFinite ? product[p * oc + o] : .nan }
                        }
                    }
                }
            }
        }
        try Hooks.emitForward(op: "int8_conv2d", modulePath: ModuleScope.currentPath, inputs: [x, weight.value], output: y)
        return y
    }
}
