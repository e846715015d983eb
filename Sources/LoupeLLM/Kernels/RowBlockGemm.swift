import CBLAS
import LoupeCore

/// out [T, N] (row stride `outStride`) = x [T, K] · Wᵀ for a row-major W [N, K], split across
/// `threads` parts of the worker pool by blocks of W's rows (C's columns), one single-threaded
/// BLAS call each: BLAS runs on one thread (``Engine/useSingleThreadedBLAS()``), so its idle
/// workers never spin against the pool's. For the prompt's projections and the logit lens.
func rowBlockGemm(_ x: UnsafePointer<Float>, rows t: Int, _ w: UnsafePointer<Float>, outputs n: Int, inner k: Int,
                  into out: UnsafeMutablePointer<Float>, outStride: Int, threads: Int) {
    Engine.useSingleThreadedBLAS()
    // Blocks of 16 rows of W (whole register tiles at the edges); small products on one thread.
    let units = (n + 15) / 16
    let parts = t * n * k >= 1 << 20 ? min(threads, units) : 1
    parallelFor(parts) { part, parts in
        let lo = min(n, units * part / parts * 16), hi = min(n, units * (part + 1) / parts * 16)
        guard lo < hi else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(hi - lo), Int32(k),
                    1, x, Int32(k), w + lo * k, Int32(k), 0, out + lo, Int32(outStride))
    }
}
