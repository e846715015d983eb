// The 4-bit row kernels' SIMD body, included twice by q4_rows.c: once for AVX2 (vpmaddwd +
// vpaddd) and once for AVX-512 VNNI (vpdpwssd, the same exact int32 sums in one instruction).
// Expects Q4_SUFFIX (name suffix), Q4_TARGET (function attribute) and Q4_DOT(acc, q, x).

#define Q4_CAT2(a, b) a##b
#define Q4_CAT(a, b) Q4_CAT2(a, b)
#define Q4_FN(name) Q4_CAT(name, Q4_SUFFIX)

// The 16 int16 codes of one block pair in the kernel's order (see q4_rows.c), 4 vectors:
// byte-pair words w: (w & 15) = element 2i, (w >> 8) & 15 = 2i+1, (w >> 4) & 15 = 2i+16,
// w >> 12 = 2i+17, for i = word index within its block. Blocks b (low 128 bits) and b+1 (high).
typedef struct { __m256i a, b, c, d; } Q4_FN(q4_codes_t);

Q4_TARGET static ALWAYS_INLINE Q4_FN(q4_codes_t) Q4_FN(q4_unpack)(const uint8_t *lo, const uint8_t *hi) {
    __m256i w = hi ? _mm256_loadu2_m128i((const __m128i *)hi, (const __m128i *)lo)
                   : _mm256_zextsi128_si256(_mm_loadu_si128((const __m128i *)lo));
    const __m256i m4 = _mm256_set1_epi16(15);
    Q4_FN(q4_codes_t) q;
    q.a = _mm256_and_si256(w, m4);
    q.b = _mm256_and_si256(_mm256_srli_epi16(w, 8), m4);
    q.c = _mm256_and_si256(_mm256_srli_epi16(w, 4), m4);
    q.d = _mm256_srli_epi16(w, 12);
    return q;
}

// Σ codes·x per int32 lane for one block pair (lanes 0-3: block b, 4-7: block b+1), as floats.
Q4_TARGET static ALWAYS_INLINE __m256 Q4_FN(q4_pair_dot)(Q4_FN(q4_codes_t) q, const int16_t *xp) {
    const __m256i *x = (const __m256i *)xp;
    __m256i acc = _mm256_madd_epi16(q.a, _mm256_loadu_si256(x));
    Q4_DOT(acc, q.b, _mm256_loadu_si256(x + 1));
    Q4_DOT(acc, q.c, _mm256_loadu_si256(x + 2));
    Q4_DOT(acc, q.d, _mm256_loadu_si256(x + 3));
    return _mm256_cvtepi32_ps(acc);
}

// [d_b, m_b, d_b1, m_b1] · [s_b, k·Σx_b, s_b1, k·Σx_b1] of one row: the two blocks' scales d·s
// (lanes 0, 2) and their additive parts (lanes 1, 3). xf: the pair's interleaved factors.
Q4_TARGET static ALWAYS_INLINE __m128 Q4_FN(q4_factors)(const uint8_t *row, int b, int has_b1, int type, const float *xf) {
    uint32_t h0 = q4_header(row, b, type), h1 = has_b1 ? q4_header(row, b + 1, type) : 0;
    __m128 dm = _mm_cvtph_ps(_mm_set_epi32(0, 0, (int)h1, (int)h0));
    __m128 s = _mm_loadu_ps(xf);
    if (type == LOUPE_Q4_0) s = _mm_mul_ps(s, _mm_set_ps(-8.0f, 1.0f, -8.0f, 1.0f));
    return _mm_mul_ps(dm, s);
}

// [f0 f0 f0 f0 f2 f2 f2 f2]: each block's d·s over its four lanes.
Q4_TARGET static ALWAYS_INLINE __m256 Q4_FN(q4_spread)(__m128 f) {
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(f), _mm256_set_epi32(2, 2, 2, 2, 0, 0, 0, 0));
}

// The final sums of two rows: ((l0+l1) + (l4+l5)) + ((l2+l3) + (l6+l7)) + (o1 + o3).
Q4_TARGET static ALWAYS_INLINE void Q4_FN(q4_finish)(__m256 acc0, __m256 acc1, __m128 off0, __m128 off1, float *y0, float *y1) {
    __m256 h = _mm256_hadd_ps(acc0, acc1);
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    float s0 = q[0] + q[1], s1 = q[2] + q[3];
    *y0 = s0 + (off0[1] + off0[3]);
    *y1 = s1 + (off1[1] + off1[3]);
}

// Asks for rows r and r+1 (when they exist) ahead of their use: a row's first bytes are its
// block headers, whose load otherwise waits on memory at the start of every row pair.
Q4_TARGET static ALWAYS_INLINE void Q4_FN(q4_prefetch)(const uint8_t *w, size_t row_bytes, int r, int rows) {
    if (r >= rows) return;
    const uint8_t *p = w + (size_t)r * row_bytes, *end = p + (r + 1 < rows ? 2 : 1) * row_bytes;
    for (; p < end; p += 64) _mm_prefetch((const char *)p, _MM_HINT_T0);
}

Q4_TARGET static ALWAYS_INLINE void Q4_FN(q4_rows_t)(const int type, const uint8_t *w, size_t row_bytes, int blocks, int rows,
                                                     const int16_t *xp, const float *xf, float *y) {
    const int stride = q4_stride(type), codes = q4_codes(type);
    for (int r = 0; r < rows; r += 2) {
        const uint8_t *r0 = w + (size_t)r * row_bytes;
        const uint8_t *r1 = r + 1 < rows ? r0 + row_bytes : r0; // a lone row runs as a pair with itself
        Q4_FN(q4_prefetch)(w, row_bytes, r + Q4_PREFETCH_ROWS, rows);
        __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
        __m128 off0 = _mm_setzero_ps(), off1 = off0;
        for (int b = 0; b < blocks; b += 2) {
            int has_b1 = b + 1 < blocks;
            const int16_t *x = xp + 32 * b;
            __m128 f0 = Q4_FN(q4_factors)(r0, b, has_b1, type, xf + 2 * b);
            __m128 f1 = Q4_FN(q4_factors)(r1, b, has_b1, type, xf + 2 * b);
            off0 = _mm_add_ps(off0, f0);
            off1 = _mm_add_ps(off1, f1);
            Q4_FN(q4_codes_t) q0 = Q4_FN(q4_unpack)(r0 + b * stride + codes, has_b1 ? r0 + (b + 1) * stride + codes : 0);
            Q4_FN(q4_codes_t) q1 = Q4_FN(q4_unpack)(r1 + b * stride + codes, has_b1 ? r1 + (b + 1) * stride + codes : 0);
            acc0 = _mm256_fmadd_ps(Q4_FN(q4_spread)(f0), Q4_FN(q4_pair_dot)(q0, x), acc0);
            acc1 = _mm256_fmadd_ps(Q4_FN(q4_spread)(f1), Q4_FN(q4_pair_dot)(q1, x), acc1);
        }
        float v0, v1;
        Q4_FN(q4_finish)(acc0, acc1, off0, off1, &v0, &v1);
        y[r] = v0;
        if (r + 1 < rows) y[r + 1] = v1;
    }
}

Q4_TARGET static ALWAYS_INLINE void Q4_FN(q4_rows_x4_t)(const int type, const uint8_t *w, size_t row_bytes, int blocks, int rows,
                                                        const int16_t *const xp[4], const float *const xf[4], float *const y[4]) {
    const int stride = q4_stride(type), codes = q4_codes(type);
    for (int r = 0; r < rows; r += 2) {
        const uint8_t *r0 = w + (size_t)r * row_bytes;
        const uint8_t *r1 = r + 1 < rows ? r0 + row_bytes : r0;
        Q4_FN(q4_prefetch)(w, row_bytes, r + Q4_PREFETCH_ROWS, rows);
        __m256 acc0[4], acc1[4];
        __m128 off0[4], off1[4];
        for (int k = 0; k < 4; k++) {
            acc0[k] = acc1[k] = _mm256_setzero_ps();
            off0[k] = off1[k] = _mm_setzero_ps();
        }
        for (int b = 0; b < blocks; b += 2) {
            int has_b1 = b + 1 < blocks;
            Q4_FN(q4_codes_t) q0 = Q4_FN(q4_unpack)(r0 + b * stride + codes, has_b1 ? r0 + (b + 1) * stride + codes : 0);
            Q4_FN(q4_codes_t) q1 = Q4_FN(q4_unpack)(r1 + b * stride + codes, has_b1 ? r1 + (b + 1) * stride + codes : 0);
            for (int k = 0; k < 4; k++) {
                const int16_t *x = xp[k] + 32 * b;
                __m128 f0 = Q4_FN(q4_factors)(r0, b, has_b1, type, xf[k] + 2 * b);
                __m128 f1 = Q4_FN(q4_factors)(r1, b, has_b1, type, xf[k] + 2 * b);
                off0[k] = _mm_add_ps(off0[k], f0);
                off1[k] = _mm_add_ps(off1[k], f1);
                acc0[k] = _mm256_fmadd_ps(Q4_FN(q4_spread)(f0), Q4_FN(q4_pair_dot)(q0, x), acc0[k]);
                acc1[k] = _mm256_fmadd_ps(Q4_FN(q4_spread)(f1), Q4_FN(q4_pair_dot)(q1, x), acc1[k]);
            }
        }
        for (int k = 0; k < 4; k++) {
            float v0, v1;
            Q4_FN(q4_finish)(acc0[k], acc1[k], off0[k], off1[k], &v0, &v1);
            y[k][r] = v0;
            if (r + 1 < rows) y[k][r + 1] = v1;
        }
    }
}

// One copy per type, so the type's layout is constant inside the loops.
Q4_TARGET static void Q4_FN(q4_rows)(int type, const uint8_t *w, size_t row_bytes, int blocks, int rows,
                                     const int16_t *xp, const float *xf, float *y) {
    if (type == LOUPE_Q4_0) Q4_FN(q4_rows_t)(LOUPE_Q4_0, w, row_bytes, blocks, rows, xp, xf, y);
    else Q4_FN(q4_rows_t)(LOUPE_Q4_1, w, row_bytes, blocks, rows, xp, xf, y);
}

Q4_TARGET static void Q4_FN(q4_rows_x4)(int type, const uint8_t *w, size_t row_bytes, int blocks, int rows,
                                        const int16_t *const xp[4], const float *const xf[4], float *const y[4]) {
    if (type == LOUPE_Q4_0) Q4_FN(q4_rows_x4_t)(LOUPE_Q4_0, w, row_bytes, blocks, rows, xp, xf, y);
    else Q4_FN(q4_rows_x4_t)(LOUPE_Q4_1, w, row_bytes, blocks, rows, xp, xf, y);
}

#undef Q4_FN
#undef Q4_CAT
#undef Q4_CAT2
