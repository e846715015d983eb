/// Kernels over rows of float32 that other modules call in their innermost loops (an attention
/// score per cached key, a float32 weight row), so they are inlinable across modules.
public enum FloatRow {
    /// Σ_i row[i]·x[i] over `count` values: two SIMD16 accumulators so no FMA waits on the last.
    @inlinable @inline(__always)
    public static func dot(_ row: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) -> Float {
        let r = UnsafeRawPointer(row), xv = UnsafeRawPointer(x)
        @inline(__always) func load(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD16<Float> {
            p.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
        }
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            acc0 = acc0.addingProduct(load(r, 4 * i), load(xv, 4 * i))
            acc1 = acc1.addingProduct(load(r, 4 * i + 64), load(xv, 4 * i + 64))
            i += 32
        }
        if i + 16 <= count {
            acc0 = acc0.addingProduct(load(r, 4 * i), load(xv, 4 * i))
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count { sum = sum.addingProduct(row[i], x[i]); i += 1 }
        return sum
    }
}
