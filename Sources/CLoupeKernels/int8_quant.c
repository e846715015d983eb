// Activation quantization: float rows -> uint8 (int8 + 128) for loupe_i8_gemm.
//
// Every path does the same IEEE operations in the same order, so the bytes are identical:
//   q = x * inv; q = max(q, -127); q = min(q, 127); q = q + copysign(0.49999997f, q); int = trunc(q)
// 0.49999997f (the float just below 0.5) makes trunc(q + h) round half away from zero without the
// double rounding that q + 0.5f suffers at q = 0.49999997 (which would give 1). max/min are written
// as (a > b ? a : b) / (a < b ? a : b), which is exactly what maxps/minps compute.
// One multiply by inv instead of a division per element: division is ~10x slower and the
// quantization of a 43264 x 9 im2col matrix already costs about as much as its GEMM.

#include "int8_common.h"

#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl")))

static const float kHalfDown = 0.49999997f; // nextafterf(0.5f, 0)
static const float kTiny = 1e-30f;          // rows with amax below this are quantized as zero

static ALWAYS_INLINE uint8_t quant1(float x, float inv) {
    float q = x * inv;
    q = q > -127.0f ? q : -127.0f;
    q = q < 127.0f ? q : 127.0f;
    float h = q < 0.0f ? -kHalfDown : kHalfDown; // copysign; q = -0 gives +h, trunc gives 0 either way
    q = q + h;
    return (uint8_t)((int32_t)q + 128);
}

// ---- Portable C ---------------------------------------------------------------------------------

static ALWAYS_INLINE float amax_c(const float *x, int k) {
    float m = 0.0f;
    for (int i = 0; i < k; i++) {
        float a = x[i] < 0.0f ? -x[i] : x[i];
        m = a > m ? a : m;
    }
    return m;
}

static ALWAYS_INLINE void quant_row_c(const float *x, int k, float inv, uint8_t *q, size_t ldq) {
    for (int i = 0; i < k; i++) q[i] = quant1(x[i], inv);
    if (ldq > (size_t)k) memset(q + k, 128, ldq - (size_t)k);
}

// ---- Row loops, one per ISA (the loop inside the target function, so the row code inlines) -------

// Per-row scale from amax (the scalar form every path uses): returns inv, writes the scale.
static ALWAYS_INLINE float row_scale(float amax, float *scale) {
    if (amax >= kTiny) {
        *scale = amax / 127.0f;
        return 127.0f / amax;
    }
    *scale = 0.0f; // x * 0 = 0 -> every byte 128
    return 0.0f;
}

// scales == NULL: static quantization with inv = sinv; else dynamic, per row.
static void rows_c(const float *x, int m, int k, size_t ldx, uint8_t *xq, size_t ldq, float *scales, float sinv) {
    for (int i = 0; i < m; i++) {
        const float *row = x + (size_t)i * ldx;
        float inv = scales ? row_scale(amax_c(row, k), scales + i) : sinv;
        quant_row_c(row, k, inv, xq + (size_t)i * ldq, ldq);
    }
}

#ifdef LOUPE_X86
// ---- AVX-512 (16 floats per step, masked tail; also fine for k = 9 rows) ------------------------

AVX512_TARGET static ALWAYS_INLINE float amax_512(const float *x, int k) {
    __m512 m = _mm512_setzero_ps();
    int i = 0;
    for (; i + 16 <= k; i += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(x + i)));
    if (i < k) {
        __mmask16 mk = (__mmask16)((1u << (k - i)) - 1);
        m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(mk, x + i)));
    }
    return _mm512_reduce_max_ps(m);
}

AVX512_TARGET static ALWAYS_INLINE __m128i quant16_512(__m512 x, __m512 inv) {
    const __m512 lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
    const __m512i sign = _mm512_set1_epi32((int)0x80000000u);
    const __m512i half = _mm512_castps_si512(_mm512_set1_ps(kHalfDown));
    __m512 q = _mm512_mul_ps(x, inv);
    q = _mm512_max_ps(q, lo); // (q > lo ? q : lo), as in quant1
    q = _mm512_min_ps(q, hi);
    // copysign(h, q) = (q & sign) | half in one vpternlogd (0xEA = (A & B) | C).
    // (quant1 gives +h for q = -0: both truncate to 0.)
    __m512 h = _mm512_castsi512_ps(_mm512_ternarylogic_epi32(sign, _mm512_castps_si512(q), half, 0xEA));
    q = _mm512_add_ps(q, h);
    // int8 in [-127, 127] -> bytes; ^0x80 adds 128 (as uint8) on 16 bytes instead of 16 dwords.
    __m128i b = _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(q));
    return _mm_xor_si128(b, _mm_set1_epi8((char)0x80));
}

AVX512_TARGET static ALWAYS_INLINE void quant_row_512(const float *x, int k, float inv_s, uint8_t *q, size_t ldq) {
    __m512 inv = _mm512_set1_ps(inv_s);
    int i = 0;
    for (; i + 16 <= k; i += 16) _mm_storeu_si128((__m128i *)(q + i), quant16_512(_mm512_loadu_ps(x + i), inv));
    if (i < k) {
        // Tail: quantize the last < 16 values and put the 128 padding in the same 16-byte store.
        int left = k - i;
        __mmask16 mk = (__mmask16)((1u << left) - 1);
        __m128i b = quant16_512(_mm512_maskz_loadu_ps(mk, x + i), inv);
        b = _mm_mask_blend_epi8(mk, _mm_set1_epi8((char)128), b);
        size_t room = ldq - (size_t)i; // bytes left in this row
        __mmask16 smk = room >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << room) - 1);
        _mm_mask_storeu_epi8(q + i, smk, b);
        i += room >= 16 ? 16 : (int)room;
    }
    if (ldq > (size_t)i) memset(q + i, 128, ldq - (size_t)i);
}

// ---- AVX2 (8 floats per step, scalar tail with the same arithmetic) ----------------------------

AVX2_TARGET static ALWAYS_INLINE float amax_avx2(const float *x, int k) {
    __m256 m = _mm256_setzero_ps();
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    int i = 0;
    for (; i + 8 <= k; i += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + i), absmask));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_shuffle_ps(h, h, 1));
    float r = _mm_cvtss_f32(h);
    for (; i < k; i++) {
        float a = x[i] < 0.0f ? -x[i] : x[i];
        r = a > r ? a : r;
    }
    return r;
}

AVX2_TARGET static ALWAYS_INLINE void quant_row_avx2(const float *x, int k, float inv_s, uint8_t *q, size_t ldq) {
    const __m256 inv = _mm256_set1_ps(inv_s);
    const __m256 lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
    const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32((int)0x80000000u));
    const __m256 half = _mm256_set1_ps(kHalfDown);
    const __m256i off = _mm256_set1_epi32(128);
    // After packus_epi32 + packus_epi16 each 128-bit lane holds its 4 bytes repeated; gather dword 0
    // of lane 0 and dword 0 of lane 1 (= dword 4).
    const __m256i gather = _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0);
    int i = 0;
    for (; i + 8 <= k; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), inv);
        v = _mm256_max_ps(v, lo);
        v = _mm256_min_ps(v, hi);
        v = _mm256_add_ps(v, _mm256_or_ps(half, _mm256_and_ps(v, sign)));
        __m256i t = _mm256_add_epi32(_mm256_cvttps_epi32(v), off);
        t = _mm256_packus_epi32(t, t);
        t = _mm256_packus_epi16(t, t);
        t = _mm256_permutevar8x32_epi32(t, gather);
        _mm_storel_epi64((__m128i *)(q + i), _mm256_castsi256_si128(t));
    }
    for (; i < k; i++) q[i] = quant1(x[i], inv_s);
    if (ldq > (size_t)k) memset(q + k, 128, ldq - (size_t)k);
}

AVX2_TARGET static void rows_avx2(const float *x, int m, int k, size_t ldx, uint8_t *xq, size_t ldq, float *scales,
                                  float sinv) {
    for (int i = 0; i < m; i++) {
        const float *row = x + (size_t)i * ldx;
        float inv = scales ? row_scale(amax_avx2(row, k), scales + i) : sinv;
        quant_row_avx2(row, k, inv, xq + (size_t)i * ldq, ldq);
    }
}

// 16 rows at once (dynamic): the per-row horizontal max (4 shuffle+max steps on a dependent chain)
// and two scalar divisions per row dominated short rows (the im2col case, k = 9). Instead each
// row's |x| is max-reduced to one vector, the 16 vectors are max-reduced "transposed" (45
// shuffles/max for 16 rows) into one vector of the 16 row maxima in row order, and the two
// divisions are done once per 16 rows. Same IEEE operations as row_scale, so the same bytes.
// finish16_512: r[t] holds 16 partial |x| maxima of row t -> the 16 scales, then the 16 rows' bytes.
AVX512_TARGET static ALWAYS_INLINE void finish16_512(__m512 r[16], const float *x, int k, size_t ldx, uint8_t *xq,
                                                      size_t ldq, float *scales) {
    __m512 a[8], b[4];
    // a[p], in each 128-bit lane: partial maxima of rows 2p, 2p+1, 2p, 2p+1
    for (int p = 0; p < 8; p++)
        a[p] = _mm512_max_ps(_mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]), _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]));
    // b[q], in each 128-bit lane: partial maxima of rows 4q .. 4q+3
    for (int q = 0; q < 4; q++) {
        __m512d lo = _mm512_unpacklo_pd(_mm512_castps_pd(a[2 * q]), _mm512_castps_pd(a[2 * q + 1]));
        __m512d hi = _mm512_unpackhi_pd(_mm512_castps_pd(a[2 * q]), _mm512_castps_pd(a[2 * q + 1]));
        b[q] = _mm512_max_ps(_mm512_castpd_ps(lo), _mm512_castpd_ps(hi));
    }
    // across the four 128-bit lanes: c0 = [b0.L02, b0.L13, b1.L02, b1.L13], then full maxima
    __m512 c0 = _mm512_max_ps(_mm512_shuffle_f32x4(b[0], b[1], 0x44), _mm512_shuffle_f32x4(b[0], b[1], 0xEE));
    __m512 c1 = _mm512_max_ps(_mm512_shuffle_f32x4(b[2], b[3], 0x44), _mm512_shuffle_f32x4(b[2], b[3], 0xEE));
    __m512 amax = _mm512_max_ps(_mm512_shuffle_f32x4(c0, c1, 0x88), _mm512_shuffle_f32x4(c0, c1, 0xDD));
    // lane t = max_k |x[t, k]|; row_scale for 16 rows
    __mmask16 ok = _mm512_cmp_ps_mask(amax, _mm512_set1_ps(kTiny), _CMP_GE_OQ);
    const __m512 c127 = _mm512_set1_ps(127.0f);
    _mm512_storeu_ps(scales, _mm512_maskz_div_ps(ok, amax, c127));
    float inv[16];
    _mm512_storeu_ps(inv, _mm512_maskz_div_ps(ok, c127, amax));
    for (int t = 0; t < 16; t++) quant_row_512(x + t * ldx, k, inv[t], xq + t * ldq, ldq);
}

AVX512_TARGET static void rows16_512(const float *x, int k, size_t ldx, uint8_t *xq, size_t ldq, float *scales) {
    __m512 r[16];
    for (int t = 0; t < 16; t++) {
        const float *row = x + t * ldx;
        __m512 mx = _mm512_setzero_ps();
        int i = 0;
        for (; i + 16 <= k; i += 16) mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_loadu_ps(row + i)));
        if (i < k) mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_maskz_loadu_ps((__mmask16)((1u << (k - i)) - 1), row + i)));
        r[t] = mx;
    }
    finish16_512(r, x, k, ldx, xq, ldq, scales);
}

// k ≤ 16: one masked load per row, the whole block unrolled (the general loop above costs 30% here).
AVX512_TARGET static void rows16_short_512(const float *x, int k, size_t ldx, uint8_t *xq, size_t ldq,
                                           float *scales) {
    const __mmask16 km = (__mmask16)((1u << k) - 1);
    __m512 r[16];
    for (int t = 0; t < 16; t++) r[t] = _mm512_abs_ps(_mm512_maskz_loadu_ps(km, x + t * ldx));
    finish16_512(r, x, k, ldx, xq, ldq, scales);
}

AVX512_TARGET static void rows_512(const float *x, int m, int k, size_t ldx, uint8_t *xq, size_t ldq, float *scales,
                                   float sinv) {
    int i = 0;
    if (scales)
        for (; i + 16 <= m; i += 16) {
            if (k <= 16) rows16_short_512(x + (size_t)i * ldx, k, ldx, xq + (size_t)i * ldq, ldq, scales + i);
            else rows16_512(x + (size_t)i * ldx, k, ldx, xq + (size_t)i * ldq, ldq, scales + i);
        }
    for (; i < m; i++) {
        const float *row = x + (size_t)i * ldx;
        float inv = scales ? row_scale(amax_512(row, k), scales + i) : sinv;
        quant_row_512(row, k, inv, xq + (size_t)i * ldq, ldq);
    }
}

#endif // LOUPE_X86

// ---- Public entry points ------------------------------------------------------------------------

static void rows_dispatch(const float *x, int m, int k, size_t ldx, uint8_t *xq, size_t ldq, float *scales,
                          float sinv) {
    if (m <= 0 || k <= 0) return;
    switch (loupe_i8_isa()) {
#ifdef LOUPE_X86
    case 2: rows_512(x, m, k, ldx, xq, ldq, scales, sinv); break;
    case 1: rows_avx2(x, m, k, ldx, xq, ldq, scales, sinv); break;
#endif
    default: rows_c(x, m, k, ldx, xq, ldq, scales, sinv); break;
    }
}

// Whether a row holds a NaN. The max instructions drop NaNs (MAXPS returns its second operand
// when either is NaN), so amax alone cannot tell; the row was just read and is still in cache.
static int row_has_nan(const float *x, int k) {
    int bad = 0;
    for (int j = 0; j < k; j++) bad |= (x[j] != x[j]);
    return bad;
}

void loupe_i8_quantize_rows(const float *x, int m, int k, size_t ldx, uint8_t *xq, size_t ldq, float *scales) {
    rows_dispatch(x, m, k, ldx, xq, ldq, scales, 0.0f);
    // A row with a NaN gets a NaN scale, so its outputs are NaN (an infinity already gives an
    // infinite scale): the caller sees the bad input instead of quiet numbers.
    for (int i = 0; i < m; i++)
        if (row_has_nan(x + (size_t)i * ldx, k)) scales[i] = __builtin_nanf("");
}

int loupe_i8_has_nan(const float *x, size_t count) {
    int bad = 0;
    for (size_t j = 0; j < count; j++) bad |= (x[j] != x[j]);
    return bad;
}

void loupe_i8_quantize_rows_static(const float *x, int m, int k, size_t ldx, float scale, uint8_t *xq,
                                   size_t ldq) {
    // scale < 1e-30 (incl. ≤ 0), NaN or inf: inv = 0, so every byte is 128 (documented). The lower
    // bound keeps 1/scale finite, so x * inv is never 0 * inf = NaN.
    float inv = (scale >= kTiny && scale < __builtin_inff()) ? 1.0f / scale : 0.0f;
    rows_dispatch(x, m, k, ldx, xq, ldq, NULL, inv);
}
