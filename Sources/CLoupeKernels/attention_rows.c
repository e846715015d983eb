// One attention head over a KV cache of IEEE half-precision keys and values (as llama.cpp's
// default f16 cache; half the bytes to stream at long contexts): the scores q·k_j of every cached
// key, and the probability-weighted sum of the cached values. Each half converts to float exactly
// before any arithmetic. Why C: at a 1,024-token context these two loops
// are most of a generated token's attention time, and in Swift each key paid a horizontal
// reduction (scores) or a load and store of the whole output row (values).
//
// Arithmetic (identical on every path, and each key's score depends on that key alone):
//   score_j: 16 lanes a_l = Σ_{d ≡ l (mod 16)} q_d·k_d by fma in order of d, then
//            t_l = a_l + a_{l+8}, s = ((t0+t1) + (t2+t3)) + ((t4+t5) + (t6+t7)), score = s·scale;
//   out_d  = fma(p_j, v_jd, out_d) for j = 0, 1, ..., from out_d = 0.

#include "int8_common.h"
#include <math.h>

static float score_portable(const float *q, const uint16_t *k, int head_dim, float scale) {
    float a[16] = {0};
    for (int d = 0; d < head_dim; d++) a[d % 16] = fmaf(q[d], loupe_half_to_float(k[d]), a[d % 16]);
    float t[8];
    for (int l = 0; l < 8; l++) t[l] = a[l] + a[l + 8];
    float s = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
    return s * scale;
}

#ifdef LOUPE_X86
// Keys (values) this many rows ahead are requested early (measured +10-15% tokens/s at a
// 1,024-token context, before the cache became head-major; kept, as it costs nothing measurable).
#ifndef ATT_PREFETCH
#define ATT_PREFETCH 16
#endif

#define ATT_TARGET __attribute__((target("avx2,fma,f16c")))
// 8 halves at p as floats.
#define HALF8(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))

ATT_TARGET static void scores_avx2(const float *q, const uint16_t *keys, size_t stride, int n, int head_dim,
                                    float scale, float *scores) {
    for (int j = 0; j < n; j += 4) {
        // Four keys at once, their 16 lanes each as two ymm registers (lo: lanes 0-7, hi: 8-15):
        // eight independent fma chains instead of two, and one shared reduction. Missing keys
        // (the tail) repeat the last one.
        const uint16_t *k0 = keys + (size_t)j * stride;
        const uint16_t *k1 = j + 1 < n ? k0 + stride : k0;
        const uint16_t *k2 = j + 2 < n ? k0 + 2 * stride : k0;
        const uint16_t *k3 = j + 3 < n ? k0 + 3 * stride : k0;
        if (j + ATT_PREFETCH + 3 < n)
            for (int i = 0; i < 4; i++)
                for (int d = 0; d < head_dim; d += 32) _mm_prefetch((const char *)(k0 + (size_t)(ATT_PREFETCH + i) * stride + d), _MM_HINT_T0);
        __m256 l0 = _mm256_setzero_ps(), h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
        for (int d = 0; d < head_dim; d += 16) {
            __m256 qa = _mm256_loadu_ps(q + d), qb = _mm256_loadu_ps(q + d + 8);
            l0 = _mm256_fmadd_ps(qa, HALF8(k0 + d), l0); h0 = _mm256_fmadd_ps(qb, HALF8(k0 + d + 8), h0);
            l1 = _mm256_fmadd_ps(qa, HALF8(k1 + d), l1); h1 = _mm256_fmadd_ps(qb, HALF8(k1 + d + 8), h1);
            l2 = _mm256_fmadd_ps(qa, HALF8(k2 + d), l2); h2 = _mm256_fmadd_ps(qb, HALF8(k2 + d + 8), h2);
            l3 = _mm256_fmadd_ps(qa, HALF8(k3 + d), l3); h3 = _mm256_fmadd_ps(qb, HALF8(k3 + d + 8), h3);
        }
        // t_l = a_l + a_{l+8}; then hadd(hadd(t0, t1), hadd(t2, t3)): lane pairs, then pairs of
        // pairs, per 128-bit half; the halves' sum is each key's total.
        __m256 t0 = _mm256_add_ps(l0, h0), t1 = _mm256_add_ps(l1, h1), t2 = _mm256_add_ps(l2, h2), t3 = _mm256_add_ps(l3, h3);
        __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(t0, t1), _mm256_hadd_ps(t2, t3));
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
        s = _mm_mul_ps(s, _mm_set1_ps(scale));
        float out[4];
        _mm_storeu_ps(out, s);
        for (int i = 0; i < 4 && j + i < n; i++) scores[j + i] = out[i];
    }
}

// 64 output values per pass kept in eight registers across every key.
ATT_TARGET static void mix_avx2(const float *p, const uint16_t *values, size_t stride, int n, int head_dim, float *out) {
    int d = 0;
    for (; d + 64 <= head_dim; d += 64) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int j = 0; j < n; j++) {
            const uint16_t *v = values + (size_t)j * stride + d;
            if (j + ATT_PREFETCH < n) {
                _mm_prefetch((const char *)(v + ATT_PREFETCH * stride), _MM_HINT_T0);
                _mm_prefetch((const char *)(v + ATT_PREFETCH * stride + 32), _MM_HINT_T0);
            }
            __m256 w = _mm256_broadcast_ss(p + j);
            a0 = _mm256_fmadd_ps(w, HALF8(v), a0);
            a1 = _mm256_fmadd_ps(w, HALF8(v + 8), a1);
            a2 = _mm256_fmadd_ps(w, HALF8(v + 16), a2);
            a3 = _mm256_fmadd_ps(w, HALF8(v + 24), a3);
            a4 = _mm256_fmadd_ps(w, HALF8(v + 32), a4);
            a5 = _mm256_fmadd_ps(w, HALF8(v + 40), a5);
            a6 = _mm256_fmadd_ps(w, HALF8(v + 48), a6);
            a7 = _mm256_fmadd_ps(w, HALF8(v + 56), a7);
        }
        _mm256_storeu_ps(out + d, a0); _mm256_storeu_ps(out + d + 8, a1);
        _mm256_storeu_ps(out + d + 16, a2); _mm256_storeu_ps(out + d + 24, a3);
        _mm256_storeu_ps(out + d + 32, a4); _mm256_storeu_ps(out + d + 40, a5);
        _mm256_storeu_ps(out + d + 48, a6); _mm256_storeu_ps(out + d + 56, a7);
    }
    for (; d < head_dim; d += 16) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0;
        for (int j = 0; j < n; j++) {
            const uint16_t *v = values + (size_t)j * stride + d;
            __m256 w = _mm256_broadcast_ss(p + j);
            a0 = _mm256_fmadd_ps(w, HALF8(v), a0);
            a1 = _mm256_fmadd_ps(w, HALF8(v + 8), a1);
        }
        _mm256_storeu_ps(out + d, a0);
        _mm256_storeu_ps(out + d + 8, a1);
    }
}
#endif

void loupe_attention_scores(const float *q, const uint16_t *keys, size_t stride, int n, int head_dim, float scale, float *scores) {
    if (n <= 0 || head_dim <= 0) return;
#ifdef LOUPE_X86
    if (loupe_i8_isa() >= 1 && head_dim % 16 == 0) {
        scores_avx2(q, keys, stride, n, head_dim, scale, scores);
        return;
    }
#endif
    for (int j = 0; j < n; j++) scores[j] = score_portable(q, keys + (size_t)j * stride, head_dim, scale);
}

void loupe_attention_mix(const float *p, const uint16_t *values, size_t stride, int n, int head_dim, float *out) {
    if (head_dim <= 0) return;
#ifdef LOUPE_X86
    if (loupe_i8_isa() >= 1 && head_dim % 16 == 0) {
        mix_avx2(p, values, stride, n, head_dim, out);
        return;
    }
#endif
    for (int d = 0; d < head_dim; d++) out[d] = 0.0f;
    for (int j = 0; j < n; j++)
        for (int d = 0; d < head_dim; d++) out[d] = fmaf(p[j], loupe_half_to_float(values[(size_t)j * stride + d]), out[d]);
}
