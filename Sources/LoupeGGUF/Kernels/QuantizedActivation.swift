import CLoupeKernels

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
    /// The values in the 4-bit kernels' order (``QuantizedMatrix``'s Q4 rows; see q4_rows.c).
    let ordered: UnsafeMutablePointer<Int16>     // [loupe_q4_ordered_count(C/32)]
    /// Scales and sums interleaved for the 4-bit kernels: s_0, Σx_0, s_1, Σx_1, …
    let factors: UnsafeMutablePointer<Float>     // [loupe_q4_factor_count(C/32)]
    let scales: UnsafeMutablePointer<Float>     // [C/32]
    let sums: UnsafeMutablePointer<Float>       // [C/32]
    let count: Int

    /// Room for `rows` activation rows of `columns` values each (a multiple of 32), valid
    /// inside ``withScratch(rows:columns:_:)``.
    public struct Scratch {
        public let rows: Int, columns: Int
        let values: UnsafeMutablePointer<Int16>, ordered: UnsafeMutablePointer<Int16>
        let scales: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>, factors: UnsafeMutablePointer<Float>
        var blocks: Int { columns / 32 }
        var orderedCount: Int { loupe_q4_ordered_count(Int32(blocks)) }
        var factorCount: Int { loupe_q4_factor_count(Int32(blocks)) }
    }

    /// Scratch for `rows` rows of `columns` values (a multiple of 32), freed when `body` returns.
    public static func withScratch<R>(rows: Int, columns: Int, _ body: (Scratch) throws -> R) rethrows -> R {
        let blocks = max(columns / 32, 1), rows = max(rows, 1)
        let ordered = loupe_q4_ordered_count(Int32(blocks)), factors = loupe_q4_factor_count(Int32(blocks))
        return try withUnsafeTemporaryAllocation(of: Int16.self, capacity: rows * (blocks * 32 + ordered)) { ints in
            try withUnsafeTemporaryAllocation(of: Float.self, capacity: rows * (2 * blocks + factors)) { floats in
                let i = ints.baseAddress!, f = floats.baseAddress!
                return try body(Scratch(rows: rows, columns: blocks * 32, values: i, ordered: i + rows * blocks * 32,
                                        scales: f, sums: f + rows * blocks, factors: f + 2 * rows * blocks))
            }
        }
    }

    /// Quantizes `x` (the scratch's `columns` floats) into row `row` of `scratch`.
    public init(_ x: UnsafePointer<Float>, row: Int, of scratch: Scratch) {
        precondition(row >= 0 && row < scratch.rows, "scratch row \(row) of \(scratch.rows)")
        let b = scratch.blocks
        self.init(x, count: scratch.columns, values: scratch.values + row * scratch.columns,
                  ordered: scratch.ordered + row * scratch.orderedCount, factors: scratch.factors + row * scratch.factorCount,
                  scales: scratch.scales + row * b, sums: scratch.sums + row * b)
    }

    /// Quantizes `x` (count a multiple of 32): scale = max|x|/32767 per block, values rounded to
    /// nearest, then reordered for the 4-bit kernels.
    init(_ x: UnsafePointer<Float>, count: Int, values: UnsafeMutablePointer<Int16>, ordered: UnsafeMutablePointer<Int16>,
         factors: UnsafeMutablePointer<Float>, scales: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>) {
        floats = x
        self.values = values
        self.ordered = ordered
        self.factors = factors
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
        loupe_q4_order_activation(values, scales, sums, Int32(count / 32), ordered, factors)
    }

    @inline(__always)
    static func absMax(_ v: SIMD16<Float>) -> Float {
        let a = v.replacing(with: -v, where: v .< 0)
        return a.max()
    }
}
