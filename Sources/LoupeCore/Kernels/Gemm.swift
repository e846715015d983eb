import CBLAS

/// A matrix operand for BLAS: a pointer and whether it is stored transposed.
struct MatrixOperand<T> {
    let pointer: UnsafePointer<T>
    let transposed: Bool
    let leadingDimension: Int
}

enum Gemm {
    /// How to hand the last two dimensions of `t` (rows × cols) to BLAS without copying: row-major
    /// as is, or a transposed view of a row-major matrix. `nil` when neither (then copy first).
    static func layout(of t: Tensor) -> (transposed: Bool, ld: Int)? {
        let r = t.rank, rows = t.shape[r - 2], cols = t.shape[r - 1]
        let rs = t.strides[r - 2], cs = t.strides[r - 1]
        if cs == 1 || cols == 1 {
            if rows == 1 { return (false, Swift.max(cols, 1)) }
            if rs >= Swift.max(cols, 1) { return (false, rs) }
        }
        if rs == 1 || rows == 1 {
            if cols == 1 { return (true, Swift.max(rows, 1)) }
            if cs >= Swift.max(rows, 1) { return (true, cs) }
        }
        return nil
    }

    /// C[M, N] = A[M, K] · B[K, N] (+ C when `accumulate`), row-major C with leading dimension N.
    @inline(__always)
    static func run<T: TensorScalar>(_ a: MatrixOperand<T>, _ b: MatrixOperand<T>, _ c: UnsafeMutablePointer<T>,
                                     m: Int, n: Int, k: Int, accumulate: Bool = false) {
        let ta = a.transposed ? CblasTrans : CblasNoTrans, tb = b.transposed ? CblasTrans : CblasNoTrans
        let beta: T = accumulate ? 1 : 0
        if T.self == Float.self {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self), Int32(a.leadingDimension),
                        UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), Int32(b.leadingDimension),
                        Float(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(n))
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Double.self), Int32(a.leadingDimension),
                        UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Double.self), Int32(b.leadingDimension),
                        Double(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(n))
        }
    }
}
