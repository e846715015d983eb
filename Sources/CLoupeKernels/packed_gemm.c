// Float32 GEMM against a right operand packed once and reused: C[M, N] = A[M, K] · B[K, N] for
// the products a recurrent layer repeats at every time step with the same weight and a small M
// (the batch). BLAS packs B again on every call — for M = 32, K = 512, N = 2048 that is a 4 MB
// copy per 67 MFLOP — and reaches ~60 GFLOP/s on one core here; this kernel, with B packed once
// per forward pass, ~110 (the core's peak is ~114).
//
// Packed layout: B's columns in panels of 32 (the last one zero-padded), each panel K rows of 32
// contiguous floats: packed[(p·K + k)·32 + j] = B[k, 32p + j]. One k step of a panel is two zmm
// loads; the micro-kernel keeps an 8 × 32 block of C in 16 zmm accumulators and broadcasts A.
// Summation order: each C element is a chain of FMAs in order of k (not BLAS's order, so results
// differ from BLAS's by rounding).

#include "CLoupeKernels.h"
#include <string.h>
#if defined(__x86_64__) && !defined(LOUPE_I8_PORTABLE_ONLY)
#define LOUPE_PACKED_X86 1
#include <immintrin.h>
#endif

size_t loupe_gemm_packed_floats(int k, int n) {
    if (k <= 0 || n <= 0) return 0;
    return (size_t)((n + 31) / 32) * (size_t)k * 32;
}

void loupe_gemm_pack(const float *b, int k, int n, ptrdiff_t row_stride, ptrdiff_t col_stride, float *packed) {
    int panels = (n + 31) / 32;
    if (col_stride == 1) {
        // Rows of B contiguous: copy 32-column pieces of each row.
        for (int p = 0; p < panels; p++) {
            int width = n - 32 * p < 32 ? n - 32 * p : 32;
            for (int kk = 0; kk < k; kk++) {
                float *dst = packed + ((size_t)p * k + kk) * 32;
                memcpy(dst, b + kk * row_stride + 32 * p, (size_t)width * sizeof(float));
                if (width < 32) memset(dst + width, 0, (size_t)(32 - width) * sizeof(float));
            }
        }
        return;
    }
    // Columns contiguous (B is a transposed view, Wᵀ): walk each column of B (a row of W) once.
    for (int p = 0; p < panels; p++) {
        int width = n - 32 * p < 32 ? n - 32 * p : 32;
        float *panel = packed + (size_t)p * k * 32;
        for (int j = 0; j < 32; j++) {
            if (j >= width) {
                for (int kk = 0; kk < k; kk++) panel[(size_t)kk * 32 + j] = 0;
                continue;
            }
            const float *column = b + (ptrdiff_t)(32 * p + j) * col_stride;
            for (int kk = 0; kk < k; kk++) panel[(size_t)kk * 32 + j] = column[kk * row_stride];
        }
    }
}

#ifdef LOUPE_PACKED_X86
#define AVX512_TARGET __attribute__((target("avx512f")))

// C[rows ≤ 8, width ≤ 32] (+)= A[rows, K] · panel. Rows past `rows` repeat the last one (their
// results are not stored), so every row's chain is computed the same way.
AVX512_TARGET static void block_8x32(const float *a, size_t lda, int rows, const float *panel, int k,
                                     float *c, size_t ldc, int width, int accumulate) {
    const float *r0 = a, *r1 = rows > 1 ? a + lda : r0, *r2 = rows > 2 ? a + 2 * lda : r1, *r3 = rows > 3 ? a + 3 * lda : r2;
    const float *r4 = rows > 4 ? a + 4 * lda : r3, *r5 = rows > 5 ? a + 5 * lda : r4, *r6 = rows > 6 ? a + 6 * lda : r5;
    const float *r7 = rows > 7 ? a + 7 * lda : r6;
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    __m512 c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
    for (int kk = 0; kk < k; kk++) {
        __m512 b0 = _mm512_loadu_ps(panel + (size_t)kk * 32), b1 = _mm512_loadu_ps(panel + (size_t)kk * 32 + 16);
        __m512 x;
        x = _mm512_set1_ps(r0[kk]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
        x = _mm512_set1_ps(r1[kk]); c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
        x = _mm512_set1_ps(r2[kk]); c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
        x = _mm512_set1_ps(r3[kk]); c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
        x = _mm512_set1_ps(r4[kk]); c40 = _mm512_fmadd_ps(x, b0, c40); c41 = _mm512_fmadd_ps(x, b1, c41);
        x = _mm512_set1_ps(r5[kk]); c50 = _mm512_fmadd_ps(x, b0, c50); c51 = _mm512_fmadd_ps(x, b1, c51);
        x = _mm512_set1_ps(r6[kk]); c60 = _mm512_fmadd_ps(x, b0, c60); c61 = _mm512_fmadd_ps(x, b1, c61);
        x = _mm512_set1_ps(r7[kk]); c70 = _mm512_fmadd_ps(x, b0, c70); c71 = _mm512_fmadd_ps(x, b1, c71);
    }
    __m512 out[16] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71};
    __mmask16 m0 = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
    __mmask16 m1 = width >= 32 ? 0xFFFF : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1);
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * ldc;
        __m512 v0 = out[2 * r], v1 = out[2 * r + 1];
        if (accumulate) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, cr));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, cr + 16));
        }
        _mm512_mask_storeu_ps(cr, m0, v0);
        _mm512_mask_storeu_ps(cr + 16, m1, v1);
    }
}

AVX512_TARGET static void gemm_avx512(const float *a, size_t lda, int m, const float *packed, int k, int n,
                                      float *c, size_t ldc, int accumulate, int panel_begin, int panel_end) {
    for (int p = panel_begin; p < panel_end; p++) {
        const float *panel = packed + (size_t)p * k * 32;
        int width = n - 32 * p < 32 ? n - 32 * p : 32;
        for (int i = 0; i < m; i += 8)
            block_8x32(a + (size_t)i * lda, lda, m - i < 8 ? m - i : 8, panel, k, c + (size_t)i * ldc + 32 * p, ldc, width, accumulate);
    }
}
#endif

int loupe_gemm_packed_available(void) {
#ifdef LOUPE_PACKED_X86
    return loupe_i8_isa() >= 2;
#else
    return 0;
#endif
}

int loupe_gemm_packed(const float *a, size_t lda, int m, const float *packed, int k, int n,
                      float *c, size_t ldc, int accumulate, int panel_begin, int panel_end) {
#ifdef LOUPE_PACKED_X86
    if (loupe_i8_isa() >= 2) {
        gemm_avx512(a, lda, m, packed, k, n, c, ldc, accumulate, panel_begin, panel_end);
        return 0;
    }
#endif
    (void)a; (void)lda; (void)m; (void)packed; (void)k; (void)n; (void)c; (void)ldc; (void)accumulate;
    (void)panel_begin; (void)panel_end;
    return -1;
}
