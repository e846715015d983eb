/// Turns float32 values into GGML blocks, bit-identical to ggml's reference quantizers
/// (`quantize_row_*_ref` in ggml-quants.c, as gguf-py's `gguf.quants.quantize` ports them).
///
/// Each block of 32 values gets its own scale (and, for Q4_1, its minimum), stored as f16:
/// - Q8_0: d = max|x|/127, q = round(x/d) in −127…127; w = d·q.
/// - Q4_0: d = x_max/−8 (x_max the value of largest magnitude, sign kept), q = trunc(x/d + 8.5)
///   in 0…15; w = d·(q − 8).
/// - Q4_1: d = (max − min)/15, q = trunc((x − min)/d + 0.5) in 0…15; w = d·q + min.
///
/// The arithmetic follows the reference step by step: the scales are computed in float32 and
/// rounded to f16 only when stored, and the codes use the float32 reciprocal, not the stored
/// f16 scale. Q4_0's codes are computed as gguf-py computes them (x·(1/d) + 8.5 in float64,
/// rounded once to float32), which is what makes it match bit for bit.
public enum GGMLQuantizer {
    /// The types Loupe writes.
    public static let writable: [GGMLType] = [.q8_0, .q4_0, .q4_1]

    /// Quantizes `values` (a multiple of 32 of them) into `type`'s blocks at `out`, which must
    /// have room for `values.count / 32 · type.typeSize` bytes.
    ///
    /// - Precondition: `type` is one of ``writable``; callers check it (``GGUFQuantization`` does).
    public static func quantize(_ values: UnsafeBufferPointer<Float>, as type: GGMLType, into out: UnsafeMutableRawPointer) {
        let blocks = values.count / 32
        for b in 0..<blocks {
            let x = UnsafeBufferPointer(rebasing: values[(b * 32)..<(b * 32 + 32)])
            let block = out + b * type.typeSize
            switch type {
            case .q8_0: q8_0(x, block)
            case .q4_0: q4_0(x, block)
            case .q4_1: q4_1(x, block)
            default: preconditionFailure("GGMLQuantizer cannot write \(type.name)")
            }
        }
    }

    /// The bytes of `values` quantized as `type`.
    public static func quantize(_ values: [Float], as type: GGMLType) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count / type.blockSize * type.typeSize)
        values.withUnsafeBufferPointer { v in out.withUnsafeMutableBytes { quantize(v, as: type, into: $0.baseAddress!) } }
        return out
    }

    // MARK: Blocks (32 values each)

    static func q8_0(_ x: UnsafeBufferPointer<Float>, _ out: UnsafeMutableRawPointer) {
        typealias L = GGMLBlock.Q8_0
        var amax: Float = 0
        for v in x { amax = max(amax, abs(v)) }
        let d = amax / 127
        let id: Float = d == 0 ? 0 : 1 / d
        storeHalf(d, out + L.scale)
        for j in 0..<32 {
            // roundf: halves away from zero, as `.rounded()` does.
            out.storeBytes(of: Int8(clamped((x[j] * id).rounded(), -127, 127)), toByteOffset: L.codes + j, as: Int8.self)
        }
    }

    static func q4_0(_ x: UnsafeBufferPointer<Float>, _ out: UnsafeMutableRawPointer) {
        typealias L = GGMLBlock.Q4_0
        // The value of largest magnitude, the first one on a tie (numpy's argmax, the C loop's `>`).
        var amax: Float = 0, extreme: Float = 0
        for v in x where abs(v) > amax { (amax, extreme) = (abs(v), v) }
        let d = extreme / -8
        let id: Float = d == 0 ? 0 : 1 / d
        storeHalf(d, out + L.scale)
        func code(_ v: Float) -> UInt8 {
            UInt8(clamped(Float(Double(v) * Double(id) + 8.5).rounded(.towardZero), 0, 15))
        }
        for j in 0..<16 {
            out.storeBytes(of: code(x[j]) | code(x[j + 16]) << 4, toByteOffset: L.codes + j, as: UInt8.self)
        }
    }

    static func q4_1(_ x: UnsafeBufferPointer<Float>, _ out: UnsafeMutableRawPointer) {
        typealias L = GGMLBlock.Q4_1
        var lo = x[0], hi = x[0]
        for v in x { lo = min(lo, v); hi = max(hi, v) }
        let d = (hi - lo) / 15
        let id: Float = d == 0 ? 0 : 1 / d
        storeHalf(d, out + L.scale)
        storeHalf(lo, out + L.minimum)
        func code(_ v: Float) -> UInt8 {
            // Two float32 roundings (multiply, then add), as the reference does: no FMA here.
            let scaled = (v - lo) * id
            return UInt8(clamped((scaled + 0.5).rounded(.towardZero), 0, 15))
        }
        for j in 0..<16 {
            out.storeBytes(of: code(x[j]) | code(x[j + 16]) << 4, toByteOffset: L.codes + j, as: UInt8.self)
        }
    }

    /// `v` within `lo...hi`; NaN (from non-finite input, which callers refuse first) as 0, so a
    /// bad value makes a wrong code, never a trap.
    @inline(__always)
    static func clamped(_ v: Float, _ lo: Float, _ hi: Float) -> Float {
        v.isNaN ? 0 : Swift.min(Swift.max(v, lo), hi)
    }

    /// float32 → f16, round to nearest even (ggml's `GGML_FP32_TO_FP16`, numpy's `astype`).
    @inline(__always)
    static func storeHalf(_ value: Float, _ at: UnsafeMutableRawPointer) {
        at.storeBytes(of: Float16(value).bitPattern.littleEndian, as: UInt16.self)
    }
}
