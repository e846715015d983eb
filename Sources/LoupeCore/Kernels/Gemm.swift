import CBLAS
import Dispatch

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

    /// Products with at least this many multiply-adds are split across threads (below, the
    /// dispatch costs more than it saves: ~1M is ~10 µs of work).
    static let parallelWork = 1 << 20

    /// C[M, N] = A[M, K] · B[K, N] (+ C when `accumulate`), row-major C with leading dimension N.
    /// Large products run as one single-threaded BLAS call per thread on a block of C's columns
    /// (or rows, when C is taller than wide): BLAS is single-threaded (``Engine/useSingleThreadedBLAS()``).
    @inline(__always)
    static func run<T: TensorScalar>(_ a: MatrixOperand<T>, _ b: MatrixOperand<T>, _ c: UnsafeMutablePointer<T>,
                                     m: Int, n: Int, k: Int, accumulate: Bool = false) {
        Engine.useSingleThreadedBLAS()
        let threads = ThreadState.current.kernelThreads ?? Engine.threads
        guard threads > 1, m * n * k >= parallelWork, max(m, n) >= 2 * threads else {
            single(a, b, c, m: m, n: n, k: k, ldc: n, accumulate: accumulate)
            return
        }
        let byColumns = n >= m
        let size = byColumns ? n : m
        // Blocks of 16 columns (rows) where possible, so each part's edge is a whole register tile.
        let unit = size >= 16 * threads ? 16 : 1
        let units = (size + unit - 1) / unit
        let parts = min(threads, units)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let lo = min(size, units * p / parts * unit), hi = min(size, units * (p + 1) / parts * unit)
            guard lo < hi else { return }
            if byColumns {
                // Columns lo..<hi of C: the same columns of B (rows of Bᵀ when stored transposed).
                let bp = b.pointer + (b.transposed ? lo * b.leadingDimension : lo)
                single(a, MatrixOperand(pointer: bp, transposed: b.transposed, leadingDimension: b.leadingDimension),
                       c + lo, m: m, n: hi - lo, k: k, ldc: n, accumulate: accumulate)
            } else {
                // Rows lo..<hi of C: the same rows of A (columns of Aᵀ when stored transposed).
                let ap = a.pointer + (a.transposed ? lo : lo * a.leadingDimension)
                single(MatrixOperand(pointer: ap, transposed: a.transposed, leadingDimension: a.leadingDimension), b,
                       c + lo * n, m: hi - lo, n: n, k: k, ldc: n, accumulate: accumulate)
            }
        }
    }

    /// One BLAS call: C[M, N] (leading dimension ldc) = A · B (+ C when `accumulate`).
    @inline(__always)
    private static func single<T: TensorScalar>(_ a: MatrixOperand<T>, _ b: MatrixOperand<T>, _ c: UnsafeMutablePointer<T>,
                                                m: Int, n: Int, k: Int, ldc: Int, accumulate: Bool) {
        let ta = a.transposed ? CblasTrans : CblasNoTrans, tb = b.transposed ? CblasTrans : CblasNoTrans
        let beta: T = accumulate ? 1 : 0
        if T.self == Float.self {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self), Int32(a.leadingDimension),
                        UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), Int32(b.leadingDimension),
                        Float(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                        UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Double.self), Int32(a.leadingDimension),
                        UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Double.self), Int32(b.leadingDimension),
                        Double(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }
}
