// CLoupeKernels: int8 GEMM and activation quantization for the int8 inference path.
//
// The scheme (symmetric, "u8 x s8"):
//   weights     W  [n, k] int8 in [-127, 127], one output channel per row, per-channel scale wscale[j]
//   activations a  [m, k] int8 in [-127, 127], per-row scale xscale[i] (dynamic) or one scale (static),
//               stored biased as xq = a + 128 (uint8), because the fast instruction (vpdpbusd)
//               multiplies unsigned bytes by signed bytes.
//   Σ_k a[i,k]·W[j,k] = Σ_k xq[i,k]·W[j,k] − 128·colsum[j],   colsum[j] = Σ_k W[j,k].
//
// Every function is single-threaded, allocates nothing and keeps no state except the cached ISA
// choice. Split m across threads in the caller (rows are independent): a thread doing rows
// i0 ..< i1 passes xq + i0*ldx, m = i1 - i0, xscale + i0, y + i0*ldy (and x + i0*ldx, scales + i0
// to the quantizers).
//
// All ISA paths give bit-identical results: the same bytes from the quantizers, the same int32
// sums, the same floats from the epilogue (no FMA contraction anywhere; see the .c files).

#ifndef CLOUPEKERNELS_H
#define CLOUPEKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- Instruction-set selection ------------------------------------------------------------------

// The kernel path in use: 2 = AVX-512 VNNI (vpdpbusd; needs avx512f/bw/vl/vnni and an OS that saves
// zmm state), 1 = AVX2 + FMA, 0 = portable C. Detected once with cpuid + xgetbv and cached; if a
// path was forced with loupe_i8_force_isa, returns that one.
int loupe_i8_isa(void);

// The path the CPU supports, ignoring any forcing.
int loupe_i8_isa_detected(void);

// Force a path (for tests and comparisons): isa in {0, 1, 2}; a path the CPU lacks is lowered to the
// best one it has. isa < 0 returns to detection. Returns the path now in use.
// Not meant to be called while other threads run kernels (they may see either path; both are exact).
int loupe_i8_force_isa(int isa);

// ---- Limits and layouts -------------------------------------------------------------------------

// Largest k the kernels accept: |Σ_k (xq−128)·w| ≤ 128·127·k must stay below 2^31 in the int32
// accumulators; 128·127·131072 = 2,130,706,432 < 2,147,483,647. (The raw Σ xq·w may wrap in int32;
// all paths use wrapping arithmetic, so the corrected sum is still exact.)
#define LOUPE_I8_MAX_K 131072

// Row stride (bytes) the GEMM needs at least for quantized activations: k rounded up to 4.
// The kernels read 4 bytes of k at a time, so each xq row must have round_up(k, 4) readable bytes.
// The padding bytes' values do not matter (they meet zero weights); the quantizers write 128.
static inline size_t loupe_i8_min_ldx(int k) { return ((size_t)k + 3) & ~(size_t)3; }

// Bytes loupe_i8_pack writes for an [n, k] weight matrix: round_up(n, 16) * round_up(k, 4).
size_t loupe_i8_packed_bytes(int n, int k);

// Pack W [n, k] int8, row-major (row stride k bytes), for loupe_i8_gemm*, and compute
// colsum[j] = Σ_k W[j,k] (int32, [n]).
// Layout (why: one 64-byte zmm load = 16 output columns x 4 consecutive k, the operand shape of
// vpdpbusd): columns are grouped in panels of 32 (the last one is 16 wide when ≤ 16 columns remain),
// panel q starts at byte q·32·kp (kp = round_up(k, 4)) and holds [kp/4][width][4] bytes:
// packed[q][g][c][t] = W[32q + c, 4g + t], zero for c or k beyond the matrix.
// Returns 0, or -1 (and writes nothing) if n or k ≤ 0, k > LOUPE_I8_MAX_K, or a weight is -128
// (the AVX2 path's sign trick needs |w| ≤ 127; symmetric quantization never makes -128).
int loupe_i8_pack(const int8_t *w, int n, int k, int8_t *packed, int32_t *colsum);

// ---- GEMM ---------------------------------------------------------------------------------------

// y[i, j] = (float)(Σ_k xq[i,k]·W[j,k] − 128·colsum[j]) * (xscale[i] * wscale[j]) + bias[j],
// then y = max(y, 0) if relu != 0, for i < m, j < n.
//   xq      [m, k] uint8, row stride ldx ≥ loupe_i8_min_ldx(k) bytes (see there), any alignment.
//   packed, colsum: from loupe_i8_pack with the same n, k.
//   xscale  [m] floats, wscale [n] floats, bias [n] floats or NULL (then 0 is added).
//   y       [m, n] floats, row stride ldy ≥ n (floats). Only columns < n are written.
// Float evaluation order (same on every path): v = (float)int32_sum; s = xscale[i]*wscale[j];
// y = v*s; y = y + bias; relu as (y > 0 ? y : 0). Requires 1 ≤ k ≤ LOUPE_I8_MAX_K; m or n ≤ 0 is a no-op.
void loupe_i8_gemm(const uint8_t *xq, int m, int k, size_t ldx,
                   const int8_t *packed, const int32_t *colsum, int n,
                   const float *xscale, const float *wscale, const float *bias, int relu,
                   float *y, size_t ldy);

// The exact integer result: y[i, j] = Σ_k (xq[i,k] − 128)·W[j,k] (int32), same arguments as above.
void loupe_i8_gemm_s32(const uint8_t *xq, int m, int k, size_t ldx,
                       const int8_t *packed, const int32_t *colsum, int n,
                       int32_t *y, size_t ldy);

// ---- Activation quantization --------------------------------------------------------------------
//
// Rounding (same bytes on every path): q = x * inv (one float multiply, not a division per element),
// clamped to [-127, 127] as q = (q > -127 ? q : -127), q = (q < 127 ? q : 127), then rounded half
// away from zero as trunc(q + copysign(0.49999997f, q)) (exactly C's roundf on this range), and
// stored as (uint8)(q + 128). Inputs must be finite (NaN/inf give unspecified bytes).

// Dynamic per-row quantization of x [m, k] floats (row stride ldx floats ≥ k) into xq [m, ldq] uint8
// (ldq ≥ k; use ldq ≥ loupe_i8_min_ldx(k) for the GEMM). For each row i:
//   amax = max_k |x[i,k]|; if amax ≥ 1e-30: scales[i] = amax / 127, inv = 127 / amax (two float
//   divisions); else (all-zero or denormal-size rows, whose 127/amax could overflow): scales[i] = 0,
//   every byte 128 (so that row of y is just the bias).
// Bytes k .. ldq-1 of every row are set to 128. A row holding a NaN gets scales[i] = NaN (and one
// holding ±inf an infinite scale), so the GEMM's outputs for it are not finite.
void loupe_i8_quantize_rows(const float *x, int m, int k, size_t ldx,
                            uint8_t *xq, size_t ldq, float *scales);

// Static quantization with one scale for every row (from calibration): inv = 1 / scale, values are
// clamped to ±127·scale as above. scale must be finite and ≥ 1e-30 (otherwise every byte is 128).
// Same x / xq layouts and padding as loupe_i8_quantize_rows.
void loupe_i8_quantize_rows_static(const float *x, int m, int k, size_t ldx, float scale,
                                   uint8_t *xq, size_t ldq);

// Whether any of x[0 ..< count] is NaN (static quantization cannot show it in a scale).
int loupe_i8_has_nan(const float *x, size_t count);


// ---- 4-bit GGML rows × int16 activations (the LLM runtime's matrix-vector products) -------------
//
// A row of a Q4_0 (18-byte blocks: f16 d, 16 code bytes) or Q4_1 (20-byte blocks: f16 d, f16 m,
// 16 code bytes) matrix, `blocks` blocks of 32, times an activation quantized per block of 32 as
// x ≈ s_b·v (v int16), whose exact float block sums Σx_b are given too:
//   y = Σ_b d_b·s_b·Σ_j q_bj·v_bj + m_b·Σx_b      (Q4_0: m_b = -8·d_b).
// The int16 values must first be put in the kernels' order by loupe_q4_order_activation. Every
// path (AVX-512 VNNI, AVX2, portable C, as loupe_i8_isa() chooses) gives bit-identical floats, and
// a row's result does not depend on the rows beside it. A NaN scale or sum gives a NaN result.

#define LOUPE_Q4_0 2
#define LOUPE_Q4_1 3

// int16 values loupe_q4_order_activation writes for `blocks` blocks: round_up(blocks, 2)·32.
size_t loupe_q4_ordered_count(int blocks);

// floats loupe_q4_order_activation writes for `blocks` blocks: round_up(blocks, 2)·2.
size_t loupe_q4_factor_count(int blocks);

// Puts an activation in the kernels' order: x [blocks·32] int16 into xp
// [loupe_q4_ordered_count(blocks)], and the scales and sums [blocks] into xf
// [loupe_q4_factor_count(blocks)] as s_0, Σx_0, s_1, Σx_1, ... (padding zeros in both).
void loupe_q4_order_activation(const int16_t *x, const float *scales, const float *sums, int blocks,
                               int16_t *xp, float *xf);

// y[r] = row r · x for r < rows; row r starts at w + r·row_bytes. type: LOUPE_Q4_0 or LOUPE_Q4_1
// (the GGML type numbers). xp, xf: from loupe_q4_order_activation.
void loupe_q4_rows(int type, const void *w, size_t row_bytes, int blocks, int rows,
                   const int16_t *xp, const float *xf, float *y);

// Four activations against the same rows (each weight block is unpacked once for all four):
// y[k][r] = row r · x_k, each bit-identical to loupe_q4_rows on x_k alone.
void loupe_q4_rows_x4(int type, const void *w, size_t row_bytes, int blocks, int rows,
                      const int16_t *const xp[4], const float *const xf[4], float *const y[4]);

// ---- One attention head over a KV cache (IEEE half keys and values) -----------------------------
//
// Keys and values are rows of head_dim halves (uint16_t bits), `stride` halves apart.
// Every path (AVX2, portable C) gives bit-identical floats; see attention_rows.c for the order.

// scores[j] = (q · k_j) · scale for j < n, k_j = keys + j·stride. Each score depends on its key
// alone (not on n or its neighbours).
void loupe_attention_scores(const float *q, const uint16_t *keys, size_t stride, int n, int head_dim, float scale, float *scores);

// out[d] = Σ_{j<n} p[j] · v_j[d] for d < head_dim, v_j = values + j·stride, accumulated by fma in
// order of j from 0.
void loupe_attention_mix(const float *p, const uint16_t *values, size_t stride, int n, int head_dim, float *out);

// ---- Float32 GEMM against a packed right operand (packed_gemm.c) ---------------------------------

// Floats loupe_gemm_pack writes for B [k, n]: round_up(n, 32) * k.
size_t loupe_gemm_packed_floats(int k, int n);

// Pack B [k, n] (element (r, c) at b[r*row_stride + c*col_stride]; a transposed view has
// col_stride ≠ 1) into panels of 32 columns: packed[(p*k + r)*32 + j] = B[r, 32p + j], zero-padded.
void loupe_gemm_pack(const float *b, int k, int n, ptrdiff_t row_stride, ptrdiff_t col_stride, float *packed);

// 1 when loupe_gemm_packed has a path on this CPU (AVX-512; and not forced lower with
// loupe_i8_force_isa), else 0: then multiply with BLAS instead.
int loupe_gemm_packed_available(void);

// C[m, n] = A[m, k] · B (+ C when accumulate), B packed by loupe_gemm_pack, for the column panels
// panel_begin ..< panel_end only (32 columns each; split panels across threads). A and C row-major
// with row strides lda, ldc. Returns 0, or -1 (computing nothing) when no path is available.
int loupe_gemm_packed(const float *a, size_t lda, int m, const float *packed, int k, int n,
                      float *c, size_t ldc, int accumulate, int panel_begin, int panel_end);

// ---- Prefetch -------------------------------------------------------------------------------------

// Requests the cache line holding p for reading, into every level: for Swift loops, which cannot
// call _mm_prefetch (a macro). Never faults, whatever p is.
static inline void loupe_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

#ifdef __cplusplus
}
#endif

#endif // CLOUPEKERNELS_H
