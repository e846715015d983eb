/// f16 → f32 by table lookup, for block scales inside dot-product loops.
///
/// Why a table: LLVM lowers a scalar `Float(Float16)` to `vpinsrw` + `vcvtph2ps`, and `vpinsrw`
/// merges into whatever register it picks, often a loop accumulator; the false dependency put a
/// whole conversion on every block's critical path (measured: a Q4_1 matrix–vector product went
/// from 15 ms to 9 ms per token when the scales came from this 256 KB table instead).
enum HalfTable {
    static let table: UnsafePointer<Float> = {
        let t = UnsafeMutablePointer<Float>.allocate(capacity: 65536)
        for bits in 0..<65536 { t[bits] = Float(Float16(bitPattern: UInt16(bits))) }
        return UnsafePointer(t)
    }()
}
