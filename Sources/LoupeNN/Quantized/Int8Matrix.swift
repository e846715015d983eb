import CLoupeKernels
import LoupeCore

/// How a quantized layer scales its input to 8 bits.
public enum Int8Activations: String, CaseIterable, Sendable, Codable {
    /// Every row (a linear layer's example, a convolution's image) gets its own scale, from its own
    /// largest magnitude, as it arrives (PyTorch's `quantize_dynamic`): nothing to calibrate and
    /// no outlier clipped.
    case dynamic
    /// One scale per layer, measured on a calibration sample when the model was quantized: no
    /// pass over the input to find its range, but inputs beyond the sample's range are clipped.
    case `static`
}

/// A weight matrix in 8 bits for the int8 kernels (`CLoupeKernels`): symmetric per output
/// channel, w ≈ scale[j]·code[j, k] with codes in −127…127, packed once into the panel layout the
/// kernel reads.
///
/// The products are exact integers (u8 × s8 summed in int32, with `vpdpbusd` on AVX-512 VNNI,
/// AVX2 or portable C, all bit-identical); only the scales are floats.
public final class Int8Matrix: @unchecked Sendable {
    /// Output channels (rows) and inputs per channel.
    public let rows: Int, columns: Int
    public let scales: [Float]
    private let packed: UnsafeMutableRawPointer
    private let columnSums: [Int32]

    /// Packs `codes` ([rows, columns], row-major, each in −127…127) with their per-row `scales`.
    /// - Throws: ``TensorError/invalidArgument(op:reason:)`` for sizes the kernel cannot take or
    ///   a code outside −127…127, naming `name`.
    public init(codes: [Int8], scales: [Float], rows: Int, columns: Int, name: String) throws {
        guard rows >= 1, columns >= 1, codes.count == rows * columns, scales.count == rows else {
            throw TensorError.invalidArgument(op: "Int8Matrix '\(name)'", reason: "\(codes.count) codes and \(scales.count) scales do not make a [\(rows), \(columns)] matrix")
        }
        guard columns <= Int(LOUPE_I8_MAX_K) else {
            throw TensorError.invalidArgument(op: "Int8Matrix '\(name)'", reason: "\(columns) inputs per output exceed the int8 kernel's \(LOUPE_I8_MAX_K) (its int32 sums would overflow)")
        }
        if let bad = scales.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
            throw TensorError.invalidArgument(op: "Int8Matrix '\(name)'", reason: "scale \(bad) is \(scales[bad]), not a finite number ≥ 0")
        }
        (self.rows, self.columns, self.scales) = (rows, columns, scales)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(loupe_i8_packed_bytes(Int32(rows), Int32(columns)), 1), alignment: 64)
        var sums = [Int32](repeating: 0, count: rows)
        let status = codes.withUnsafeBufferPointer { c in
            sums.withUnsafeMutableBufferPointer { loupe_i8_pack(c.baseAddress!, Int32(rows), Int32(columns), buffer.assumingMemoryBound(to: Int8.self), $0.baseAddress!) }
        }
        packed = buffer
        guard status == 0 else {
            buffer.deallocate()
            throw TensorError.invalidArgument(op: "Int8Matrix '\(name)'", reason: "a code is −128; symmetric int8 weights are −127…127")
        }
        columnSums = sums
    }

    deinit { packed.deallocate() }

    /// Symmetric per-row quantization of float weights [rows, columns]: scale = max|w|/127 (0 for
    /// an all-zero row), code = round(w/scale), halves away from zero.
    /// - Throws: for a non-finite weight, naming `name` and the element.
    public static func quantize(_ weights: [Float], rows: Int, columns: Int, name: String) throws -> (codes: [Int8], scales: [Float]) {
        if let bad = weights.firstIndex(where: { !$0.isFinite }) {
            throw TensorError.invalidArgument(op: "int8 quantization of '\(name)'", reason: "weight \(bad) is \(weights[bad]); a model with non-finite weights cannot be quantized")
        }
        var codes = [Int8](repeating: 0, count: weights.count), scales = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            let row = weights[(r * columns)..<((r + 1) * columns)]
            let amax = row.reduce(Float(0)) { max($0, abs($1)) }
            guard amax > 0 else { continue }
            scales[r] = amax / 127
            let inverse = 127 / amax
            for (i, w) in zip(row.indices, row) { codes[i] = Int8(max(-127, min(127, (w * inverse).rounded()))) }
        }
        return (codes, scales)
    }

    /// y[i, j] = xScales[i]·scales[j]·Σ_k (xq[i,k] − 128)·code[j,k] + bias[j] (then ReLU if asked),
    /// rows split across the engine's threads.
    ///
    /// - Parameters:
    ///   - xq: [m, stride] biased activations (``Int8Activation``), stride ≥ ``paddedColumns``.
    ///   - y: [m, rows] floats, row-major.
    public func multiply(_ xq: UnsafePointer<UInt8>, stride: Int, m: Int, xScales: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         relu: Bool, into y: UnsafeMutablePointer<Float>) {
        let p = packed.assumingMemoryBound(to: Int8.self)
        columnSums.withUnsafeBufferPointer { sums in
            scales.withUnsafeBufferPointer { ws in
                Engine.forChunks(m, costPerItem: rows * columns / 16) { range in
                    loupe_i8_gemm(xq + range.lowerBound * stride, Int32(range.count), Int32(columns), stride, p, sums.baseAddress!, Int32(rows),
                                  xScales + range.lowerBound, ws.baseAddress!, bias, relu ? 1 : 0, y + range.lowerBound * rows, rows)
                }
            }
        }
    }

    /// x [..., columns] → [..., rows]: x rounded to 8 bits per row (or by `fixedScale`), times the
    /// matrix, plus `bias`. A row with a non-finite value gives NaNs, as a float layer would.
    public func apply(_ x: Tensor, bias: [Float]?, fixedScale: Float?) throws -> Tensor {
        let k = columns, n = rows, m = x.count / max(k, 1), stride = paddedColumns
        return try x.contiguous().withContiguousFloats { xs in
            var xq = [UInt8](repeating: 128, count: m * stride), scales = [Float](repeating: 0, count: m)
            xq.withUnsafeMutableBufferPointer { q in
                scales.withUnsafeMutableBufferPointer { Int8Activation.quantize(xs.baseAddress!, m: m, k: k, into: q.baseAddress!, stride: stride, scales: $0.baseAddress!, fixedScale: fixedScale) }
            }
            return Tensor(shape: Array(x.shape.dropLast()) + [n]) { out in
                xq.withUnsafeBufferPointer { q in
                    scales.withUnsafeBufferPointer { s in
                        if let bias {
                            bias.withUnsafeBufferPointer { multiply(q.baseAddress!, stride: stride, m: m, xScales: s.baseAddress!, bias: $0.baseAddress!, relu: false, into: out.baseAddress!) }
                        } else {
                            multiply(q.baseAddress!, stride: stride, m: m, xScales: s.baseAddress!, bias: nil, relu: false, into: out.baseAddress!)
                        }
                    }
                }
                for i in 0..<m where !scales[i].isFinite { for j in 0..<n { out[i * n + j] = .nan } }
            }
        }
    }

    /// The row stride quantized activations need (columns rounded up to 4).
    public var paddedColumns: Int { Int(loupe_i8_min_ldx(Int32(columns))) }
}

/// Activations rounded to 8 bits for ``Int8Matrix``: x ≈ scale·(q − 128), q in 1…255.
public enum Int8Activation {
    /// Quantizes `m` rows of `k` floats (row stride `k`) into `xq` (row stride `stride`, padding
    /// bytes 128) with one scale per row (`.dynamic`: written to `scales`) or `fixedScale` for all.
    /// A row holding a NaN gets a NaN scale (an infinite one too, when dynamic), so its outputs
    /// are not finite: bad input shows, as in a float layer.
    public static func quantize(_ x: UnsafePointer<Float>, m: Int, k: Int, into xq: UnsafeMutablePointer<UInt8>, stride: Int,
                                scales: UnsafeMutablePointer<Float>, fixedScale: Float?) {
        Engine.forChunks(m, costPerItem: k) { range in
            let src = x + range.lowerBound * k, dst = xq + range.lowerBound * stride
            if let fixedScale {
                loupe_i8_quantize_rows_static(src, Int32(range.count), Int32(k), k, fixedScale, dst, stride)
                // Infinities clip to the range like any large value; a NaN row is marked NaN.
                for i in range { scales[i] = loupe_i8_has_nan(x + i * k, k) != 0 ? .nan : fixedScale }
            } else {
                loupe_i8_quantize_rows(src, Int32(range.count), Int32(k), k, dst, stride, scales + range.lowerBound)
            }
        }
    }
}
