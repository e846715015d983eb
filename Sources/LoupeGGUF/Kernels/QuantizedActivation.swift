/// An activation row x [C] prepared for quantized dot products, once per row, shared by every
/// weight row it meets: int16 values with one scale per 32 for the integer kernels, the float32
/// values for the others, and exact float block sums Σx for the additive part of Q4_0 and Q4_1.
///
/// Why int16 and not llama.cpp's int8 (Q8_1): with int8 activations this model failed the
/// reference's teacher-forced bounds (top-10 log-probabilities off by up to 3 nats on the chat
/// prompts, whose activations have large outliers); int16 rounding is 256× finer, passes them
/// with the float path's margins, and `vpmaddwd` keeps it nearly as fast.
public struct QuantizedActivation {
    let floats: UnsafePointer<Float>
    let values: UnsafeMutablePointer<Int16>      // [C]
    let scales: UnsafeMutablePointer<Float>     // [C/32]
    let sums: UnsafeMutablePointer<Float>       // [C/32]
    let count: Int

    /// Scratch for a row of `count` floats (a multiple of 32): call `withScratch` and fill it.
    public static func withScratch<R>(count: Int, _ body: (UnsafeMutablePointer<Int16>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let blocks = max(count / 32, 1)
        return try withUnsafeTemporaryAllocation(of: Int16.self, capacity: max(count, 32)) { values in
            try withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * blocks) { floats in
                try body(values.baseAddress!, floats.baseAddress!, floats.baseAddress! + blocks)
            }
        }
    }

    /// Quantizes `x` (count a multiple of 32) into the scratch: scale = max|x|/32767 per block,
    /// values rounded to nearest.
    public init(_ x: UnsafePointer<Float>, count: Int, values: UnsafeMutablePointer<Int16>, scales: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        floats = x
        self.values = values
        self.scales = scales
        self.sums = sums
        self.count = count
        let xv = UnsafeRawPointer(x)
        for b in 0..<(count / 32) {
            let lo = xv.loadUnaligned(fromByteOffset: b * 128, as: SIMD16<Float>.self)
            let hi = xv.loadUnaligned(fromByteOffset: b * 128 + 64, as: SIMD16<Float>.self)
            let magnitude = Swift.max(Self.absMax(lo), Self.absMax(hi))
            let scale = magnitude / 32767
            sums[b] = (lo + hi).sum()
            // max() may skip a NaN; the sum cannot. (A block whose sum overflows is treated alike.)
            guard scale.isFinite, sums[b].isFinite else {
                // NaN or ∞ in x: the products must come out NaN, as float math would, not trap.
                scales[b] = .nan
                (values + b * 32).initialize(repeating: 0, count: 32)
                continue
            }
            scales[b] = scale
            let inverse = scale > 0 ? 1 / scale : 0
            for j in 0..<16 {
                values[b * 32 + j] = Int16((lo[j] * inverse).rounded(.toNearestOrEven))
                values[b * 32 + 16 + j] = Int16((hi[j] * inverse).rounded(.toNearestOrEven))
            }
        }
    }

    @inline(__always)
    static func absMax(_ v: SIMD16<Float>) -> Float {
        let a = v.replacing(with: -v, where: v .< 0)
        return a.max()
    }
}
