// 4-bit GGML rows (Q4_0, Q4_1) times int16 activations: the LLM runtime's matrix-vector products.
//
// Why this shape: a Q4 block packs element j in the low nibble of byte j and element j+16 in the
// high nibble. Read as 16-bit words, each word's four nibbles are elements 2i, 2i+1, 2i+16 and
// 2i+17, which shifts and masks separate within their lanes. With the activation stored in that
// order once per row (loupe_q4_order_activation), a pair of blocks costs one load, three shifts,
// three masks and four multiply-adds, and no zero-extending shuffles (measured 1.3-1.6x the
// throughput of unpacking the codes to int16 with vpmovzxbw).
//
// Arithmetic (identical on every path, so results are bit-identical across CPUs and row splits):
// per block pair and row, with lanes l = 0..7 (0-3 block b, 4-7 block b+1):
//   i_l   = the exact int32 sum of its 8 code·x products,
//   f     = [d_b, m_b, d_b1, m_b1] * [s_b, k·Σx_b, s_b1, k·Σx_b1]  (float multiplies; k = 1 for
//           Q4_1; for Q4_0, m = d and k = -8, since w = d·(q - 8)),
//   acc_l = fma(f[0 or 2], (float)i_l, acc_l);   off += f  (lane-wise adds)
// and at the end y = (((a0+a1) + (a4+a5)) + ((a2+a3) + (a6+a7))) + (off[1] + off[3]).
// A missing block b+1 (odd block counts) has zero codes, x, d, m, s and Σx.

#include "int8_common.h"
#include <math.h>

static ALWAYS_INLINE int q4_stride(int type) { return type == LOUPE_Q4_0 ? 18 : 20; }
static ALWAYS_INLINE int q4_codes(int type) { return type == LOUPE_Q4_0 ? 2 : 4; }

// The block's f16 pair [d, m] as one little-endian word (Q4_0: [d, d]).
static ALWAYS_INLINE uint32_t q4_header(const uint8_t *row, int b, int type) {
    const uint8_t *p = row + (size_t)b * (size_t)q4_stride(type);
    if (type == LOUPE_Q4_0) {
        uint16_t d;
        memcpy(&d, p, 2);
        return (uint32_t)d * 0x10001u;
    }
    uint32_t h;
    memcpy(&h, p, 4);
    return h;
}

size_t loupe_q4_ordered_count(int blocks) { return (size_t)((blocks + 1) / 2) * 64; }

size_t loupe_q4_factor_count(int blocks) { return (size_t)((blocks + 1) / 2) * 4; }

void loupe_q4_order_activation(const int16_t *x, const float *scales, const float *sums, int blocks,
                               int16_t *xp, float *xf) {
    for (int b = 0; b < (blocks + 1) / 2 * 2; b++) {
        xf[2 * b] = b < blocks ? scales[b] : 0.0f;
        xf[2 * b + 1] = b < blocks ? sums[b] : 0.0f;
    }
    for (int p = 0; p < (blocks + 1) / 2; p++) {
        for (int h = 0; h < 2; h++) {
            int b = 2 * p + h;
            int16_t *o = xp + 64 * p + 8 * h;
            for (int i = 0; i < 8; i++) {
                int present = b < blocks;
                const int16_t *v = x + 32 * b;
                o[i] = present ? v[2 * i] : 0;
                o[16 + i] = present ? v[2 * i + 1] : 0;
                o[32 + i] = present ? v[2 * i + 16] : 0;
                o[48 + i] = present ? v[2 * i + 17] : 0;
            }
        }
    }
}

// ---- Portable C: the same operations, one lane at a time ----------------------------------------

typedef struct { float acc[8], off[4]; } q4_state;

static ALWAYS_INLINE int q4_code(const uint8_t *codes, int e) { // element e (0..31) of a block
    return e < 16 ? codes[e] & 15 : codes[e - 16] >> 4;
}

static void q4_pair_portable(q4_state *s, int type, const uint8_t *row, int b, int blocks,
                             const int16_t *xp, const float *xf) {
    int has_b1 = b + 1 < blocks;
    uint32_t h[2] = {q4_header(row, b, type), has_b1 ? q4_header(row, b + 1, type) : 0};
    float k = type == LOUPE_Q4_0 ? -8.0f : 1.0f;
    float dm[4] = {loupe_half_to_float((uint16_t)h[0]), loupe_half_to_float((uint16_t)(h[0] >> 16)),
                   loupe_half_to_float((uint16_t)h[1]), loupe_half_to_float((uint16_t)(h[1] >> 16))};
    const float *v = xf + 2 * b; // zeros beyond the last block
    float sv[4] = {v[0], k * v[1], v[2], k * v[3]};
    float f[4];
    for (int i = 0; i < 4; i++) {
        f[i] = dm[i] * sv[i];
        s->off[i] = s->off[i] + f[i];
    }
    const int16_t *x = xp + 32 * b;
    for (int l = 0; l < 8; l++) {
        int blk = l / 4;
        int32_t sum = 0;
        if (blk == 0 || has_b1) {
            const uint8_t *codes = row + (size_t)(b + blk) * q4_stride(type) + q4_codes(type);
            for (int wd = 2 * (l % 4); wd < 2 * (l % 4) + 2; wd++) {
                int word = 8 * blk + wd; // word index in the pair's vectors
                sum += q4_code(codes, 2 * wd) * x[word] + q4_code(codes, 2 * wd + 1) * x[16 + word] +
                       q4_code(codes, 2 * wd + 16) * x[32 + word] + q4_code(codes, 2 * wd + 17) * x[48 + word];
            }
        }
        s->acc[l] = fmaf(f[2 * blk], (float)sum, s->acc[l]);
    }
}

static ALWAYS_INLINE float q4_finish_portable(const q4_state *s) {
    const float *a = s->acc;
    float q0 = (a[0] + a[1]) + (a[4] + a[5]), q1 = (a[2] + a[3]) + (a[6] + a[7]);
    return (q0 + q1) + (s->off[1] + s->off[3]);
}

static void q4_rows_portable(int type, const uint8_t *w, size_t row_bytes, int blocks, int rows,
                             const int16_t *xp, const float *xf, float *y) {
    for (int r = 0; r < rows; r++) {
        q4_state s = {{0}, {0}};
        for (int b = 0; b < blocks; b += 2)
            q4_pair_portable(&s, type, w + (size_t)r * row_bytes, b, blocks, xp, xf);
        y[r] = q4_finish_portable(&s);
    }
}

// ---- SIMD paths ---------------------------------------------------------------------------------

#ifdef LOUPE_X86
#ifndef Q4_PREFETCH_ROWS
#define Q4_PREFETCH_ROWS 4
#endif
#define Q4_SUFFIX _avx2
#define Q4_TARGET __attribute__((target("avx2,fma,f16c")))
#define Q4_DOT(acc, q, x) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(q, x))
#include "q4_rows_simd.h"
#undef Q4_SUFFIX
#undef Q4_TARGET
#undef Q4_DOT

#define Q4_SUFFIX _vnni
#define Q4_TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define Q4_DOT(acc, q, x) acc = _mm256_dpwssd_epi32(acc, q, x)
#include "q4_rows_simd.h"
#undef Q4_SUFFIX
#undef Q4_TARGET
#undef Q4_DOT
#endif

void loupe_q4_rows(int type, const void *w, size_t row_bytes, int blocks, int rows,
                   const int16_t *xp, const float *xf, float *y) {
    if (rows <= 0 || blocks <= 0) return;
#ifdef LOUPE_X86
    switch (loupe_i8_isa()) {
    case 2: q4_rows_vnni(type, w, row_bytes, blocks, rows, xp, xf, y); return;
    case 1: q4_rows_avx2(type, w, row_bytes, blocks, rows, xp, xf, y); return;
    default: break;
    }
#endif
    q4_rows_portable(type, w, row_bytes, blocks, rows, xp, xf, y);
}

void loupe_q4_rows_x4(int type, const void *w, size_t row_bytes, int blocks, int rows,
                      const int16_t *const xp[4], const float *const xf[4], float *const y[4]) {
    if (rows <= 0 || blocks <= 0) return;
#ifdef LOUPE_X86
    switch (loupe_i8_isa()) {
    case 2: q4_rows_x4_vnni(type, w, row_bytes, blocks, rows, xp, xf, y); return;
    case 1: q4_rows_x4_avx2(type, w, row_bytes, blocks, rows, xp, xf, y); return;
    default: break;
    }
#endif
    for (int k = 0; k < 4; k++) q4_rows_portable(type, w, row_bytes, blocks, rows, xp[k], xf[k], y[k]);
}
