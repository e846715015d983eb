// int8 GEMM: y[m, n] = epilogue(xq[m, k] (uint8) · W[n, k]ᵀ (int8)), three paths chosen at run time.
//
// Compiled without -march flags: the AVX-512 / AVX2 functions carry target attributes and are only
// called after cpuid + xgetbv say the CPU and the OS support them.
//
//   path 2, AVX-512 VNNI: vpdpbusd adds four u8·s8 products into each int32 lane, so one instruction
//           does 16 columns x 4 k = 64 multiply-adds. Tile: 8 rows x 32 columns = 16 zmm accumulators.
//   path 1, AVX2: no u8·s8 dot in AVX2 on Zen 4 (no AVX-VNNI), and vpmaddubsw saturates int16 when
//           xq·w pairs reach 2·255·127. So we compute with the signed activation a = xq − 128 and the
//           sign trick |a|·(sign(a)·w): a pair sum is ≤ 2·128·127 = 32512 < 32767, exact. This also
//           makes the −128·colsum correction unnecessary on this path.
//   path 0, portable C: plain loops over the same packed layout, wrapping uint32 sums.

#include "int8_common.h"

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// ---- ISA detection ------------------------------------------------------------------------------

static int g_detected = -1; // written once (racing writers write the same value)
static int g_forced = -1;

#ifdef LOUPE_X86
// xgetbv as inline asm: the _xgetbv intrinsic needs target("xsave") and we only run it after
// cpuid says OSXSAVE is set.
static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}
#endif

static int detect_isa(void) {
#ifdef LOUPE_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return 0;
    uint64_t xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0; // OS saves xmm (bit 1) and ymm (bit 2) state
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1;
    if (!avx2 || !fma) return 0;
    int avx512f = (b >> 16) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    int vnni = (c >> 11) & 1;
    // bits 5-7: opmask, upper halves of zmm0-15, zmm16-31
    if (avx512f && avx512bw && avx512vl && vnni && (xcr0 & 0xE6) == 0xE6) return 2;
    return 1;
#else
    return 0;
#endif
}

int loupe_i8_isa_detected(void) {
    int d = __atomic_load_n(&g_detected, __ATOMIC_RELAXED);
    if (d < 0) {
        d = detect_isa();
        __atomic_store_n(&g_detected, d, __ATOMIC_RELAXED);
    }
    return d;
}

int loupe_i8_isa(void) {
    int f = __atomic_load_n(&g_forced, __ATOMIC_RELAXED);
    return f >= 0 ? f : loupe_i8_isa_detected();
}

int loupe_i8_force_isa(int isa) {
    int d = loupe_i8_isa_detected();
    int f = isa < 0 ? -1 : (isa > d ? d : isa);
    __atomic_store_n(&g_forced, f, __ATOMIC_RELAXED);
    return loupe_i8_isa();
}

// ---- Packing ------------------------------------------------------------------------------------

static size_t round4(int k) { return ((size_t)k + 3) & ~(size_t)3; }

size_t loupe_i8_packed_bytes(int n, int k) {
    if (n <= 0 || k <= 0) return 0;
    return (((size_t)n + 15) & ~(size_t)15) * round4(k);
}

// Width of panel q (32, or 16 for a last panel with ≤ 16 columns left): the 16-wide tail keeps
// packed size = round_up(n, 16)·kp and saves half the work for n = 16·odd.
static ALWAYS_INLINE int panel_width(int q, int n) { return n - 32 * q > 16 ? 32 : 16; }

int loupe_i8_pack(const int8_t *w, int n, int k, int8_t *packed, int32_t *colsum) {
    if (n <= 0 || k <= 0 || k > LOUPE_I8_MAX_K) return -1;
    for (size_t i = 0, total = (size_t)n * (size_t)k; i < total; i++)
        if (w[i] == -128) return -1;
    size_t kp = round4(k);
    int npanels = (n + 31) / 32;
    for (int q = 0; q < npanels; q++) {
        int width = panel_width(q, n);
        int8_t *p = packed + (size_t)q * 32 * kp; // [kp/4][width][4]
        for (size_t g = 0; g < kp / 4; g++)
            for (int c = 0; c < width; c++)
                for (int t = 0; t < 4; t++) {
                    int j = 32 * q + c;
                    size_t kk = 4 * g + (size_t)t;
                    *p++ = (j < n && kk < (size_t)k) ? w[(size_t)j * k + kk] : 0;
                }
    }
    for (int j = 0; j < n; j++) {
        int32_t s = 0;
        for (int kk = 0; kk < k; kk++) s += w[(size_t)j * k + kk];
        colsum[j] = s;
    }
    return 0;
}

// ---- Shared epilogue (scalar form; the SIMD forms do the same operations in the same order) ------

static ALWAYS_INLINE float epilogue1(int32_t v, float xs, float ws, float b, int relu) {
    float f = (float)v;
    float s = xs * ws;
    float y = f * s;
    y = y + b;
    if (relu) y = y > 0.0f ? y : 0.0f; // same as maxps(y, 0): -0 and NaN give +0
    return y;
}

// ---- Path 0: portable C -------------------------------------------------------------------------

// One row times one panel half (≤ 16 columns): acc[c] = Σ_k xq·w with wrapping uint32 (the raw sum
// may exceed int32 for huge k; after subtracting 128·colsum the result is exact, see header).
static void gemm_c(const uint8_t *xq, int m, int k, size_t ldx, const int8_t *packed,
                   const int32_t *colsum, int n, const float *xscale, const float *wscale,
                   const float *bias, int relu, float *yf, int32_t *yi, size_t ldy) {
    size_t kp = round4(k), kg = kp / 4;
    for (int i = 0; i < m; i++) {
        const uint8_t *x = xq + (size_t)i * ldx;
        for (int j0 = 0; j0 < n; j0 += 16) {
            int q = j0 / 32, width = panel_width(q, n), c0 = j0 - 32 * q;
            const int8_t *p = packed + (size_t)q * 32 * kp + (size_t)c0 * 4;
            uint32_t acc[16] = {0};
            for (size_t g = 0; g < kg; g++, p += (size_t)width * 4)
                for (int c = 0; c < 16; c++)
                    for (int t = 0; t < 4; t++)
                        acc[c] += (uint32_t)x[4 * g + t] * (uint32_t)(int32_t)p[4 * c + t];
            int nc = n - j0 < 16 ? n - j0 : 16;
            for (int c = 0; c < nc; c++) {
                int j = j0 + c;
                int32_t v = (int32_t)(acc[c] - ((uint32_t)colsum[j] << 7));
                if (yi) yi[(size_t)i * ldy + j] = v;
                else yf[(size_t)i * ldy + j] = epilogue1(v, xscale[i], wscale[j], bias ? bias[j] : 0.0f, relu);
            }
        }
    }
}

#ifdef LOUPE_X86
// 4 bytes of a row as one int32 (memcpy: any alignment, no aliasing trouble; compiles to a load).
static ALWAYS_INLINE int32_t load4(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

// ---- Path 2: AVX-512 VNNI -----------------------------------------------------------------------

// Tile of MR rows (1..8) x 16·NV columns (NV = 1 or 2 zmm), all k.
//   x: row 0 of the tile, rows ldx bytes apart; w: the panel (step wstep bytes per 4 k);
//   acc starts at −128·colsum (the correction folded into the init, so the epilogue has no subtract).
// Per 4 k: NV weight loads shared by MR rows, MR broadcasts of 4 xq bytes, MR·NV vpdpbusd.
VNNI_TARGET static ALWAYS_INLINE void tile_vnni(const uint8_t *x, size_t ldx, const int8_t *w,
                                                size_t wstep, size_t kg, int MR, int NV,
                                                __m512i init0, __m512i init1, __m512i acc[8][2]) {
    for (int r = 0; r < MR; r++) {
        acc[r][0] = init0;
        if (NV == 2) acc[r][1] = init1;
    }
    for (size_t g = 0; g < kg; g++, x += 4, w += wstep) {
        __m512i w0 = _mm512_loadu_si512((const void *)w);
        __m512i w1 = NV == 2 ? _mm512_loadu_si512((const void *)(w + 64)) : w0;
        for (int r = 0; r < MR; r++) {
            __m512i a = _mm512_set1_epi32(load4(x + r * ldx));
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], a, w0);
            if (NV == 2) acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], a, w1);
        }
    }
}

// Per-column-block constants for the epilogue, loaded with a mask so nothing past n is read.
typedef struct {
    __m512i init[2];
    __m512 ws[2], b[2];
    __mmask16 mask[2];
} colblock512;

VNNI_TARGET static ALWAYS_INLINE colblock512 load_colblock512(const int32_t *colsum, const float *wscale,
                                                              const float *bias, int j0, int nc) {
    colblock512 cb;
    for (int v = 0; v < 2; v++) {
        int left = nc - 16 * v;
        __mmask16 mk = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? 0 : (__mmask16)((1u << left) - 1);
        cb.mask[v] = mk;
        __m512i cs = _mm512_maskz_loadu_epi32(mk, colsum + j0 + 16 * v);
        cb.init[v] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(cs, 7)); // wraps, fine
        cb.ws[v] = wscale ? _mm512_maskz_loadu_ps(mk, wscale + j0 + 16 * v) : _mm512_setzero_ps();
        cb.b[v] = bias ? _mm512_maskz_loadu_ps(mk, bias + j0 + 16 * v) : _mm512_setzero_ps();
    }
    return cb;
}

// Epilogue of one tile, fused into the only store of y. RELU is a compile-time constant and the
// yi / yf choice is made once per tile, so both row loops unroll and acc stays in registers.
VNNI_TARGET static ALWAYS_INLINE void store_vnni(__m512i acc[8][2], int MR, int NV, int RELU,
                                                 const colblock512 *cb, const float *xscale,
                                                 float *yf, int32_t *yi, size_t ldy) {
    if (yi) {
#pragma GCC unroll 8
        for (int r = 0; r < MR; r++)
            for (int v = 0; v < NV; v++)
                _mm512_mask_storeu_epi32(yi + r * ldy + 16 * v, cb->mask[v], acc[r][v]);
        return;
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
        __m512 xs = _mm512_set1_ps(xscale[r]);
        for (int v = 0; v < NV; v++) {
            __m512 f = _mm512_cvtepi32_ps(acc[r][v]);
            __m512 s = _mm512_mul_ps(xs, cb->ws[v]);
            f = _mm512_mul_ps(f, s);
            f = _mm512_add_ps(f, cb->b[v]);
            if (RELU) f = _mm512_max_ps(f, _mm512_setzero_ps());
            _mm512_mask_storeu_ps(yf + r * ldy + 16 * v, cb->mask[v], f);
        }
    }
}

// One instantiation per (MR, NV, RELU): the compiler unrolls the row loops and keeps acc in registers.
#define VNNI_CASE(MR, NV)                                                                  \
    case MR: {                                                                             \
        __m512i acc[8][2];                                                                 \
        tile_vnni(x, ldx, w, wstep, kg, MR, NV, cb.init[0], cb.init[1], acc);              \
        float *yt = yf ? yf + (size_t)i0 * ldy + j0 : 0;                                   \
        int32_t *yti = yi ? yi + (size_t)i0 * ldy + j0 : 0;                                \
        if (relu) store_vnni(acc, MR, NV, 1, &cb, xs, yt, yti, ldy);                       \
        else store_vnni(acc, MR, NV, 0, &cb, xs, yt, yti, ldy);                            \
    } break;

VNNI_TARGET static void gemm_vnni(const uint8_t *xq, int m, int k, size_t ldx, const int8_t *packed,
                                  const int32_t *colsum, int n, const float *xscale, const float *wscale,
                                  const float *bias, int relu, float *yf, int32_t *yi, size_t ldy) {
    size_t kp = round4(k), kg = kp / 4;
    // Row blocks outer, column panels inner: the 8 xq rows (8·kp bytes) stay in L1 while the packed
    // weights (n·kp bytes) are reused from L1/L2 by every row block; xq, the big operand of the
    // im2col GEMMs, is read once.
    for (int i0 = 0; i0 < m; i0 += 8) {
        int mr = m - i0 < 8 ? m - i0 : 8;
        const uint8_t *x = xq + (size_t)i0 * ldx;
        const float *xs = xscale ? xscale + i0 : 0;
        for (int j0 = 0; j0 < n; j0 += 32) {
            int q = j0 / 32, width = panel_width(q, n);
            int nc = n - j0 < 32 ? n - j0 : 32;
            const int8_t *w = packed + (size_t)q * 32 * kp;
            size_t wstep = (size_t)width * 4;
            colblock512 cb = load_colblock512(colsum, wscale, bias, j0, nc);
            if (width == 32) {
                switch (mr) { VNNI_CASE(8, 2) VNNI_CASE(7, 2) VNNI_CASE(6, 2) VNNI_CASE(5, 2)
                              VNNI_CASE(4, 2) VNNI_CASE(3, 2) VNNI_CASE(2, 2) VNNI_CASE(1, 2) }
            } else {
                switch (mr) { VNNI_CASE(8, 1) VNNI_CASE(7, 1) VNNI_CASE(6, 1) VNNI_CASE(5, 1)
                              VNNI_CASE(4, 1) VNNI_CASE(3, 1) VNNI_CASE(2, 1) VNNI_CASE(1, 1) }
            }
        }
    }
}

// ---- Path 1: AVX2 -------------------------------------------------------------------------------

// Tile of MR rows (1..4) x 16 columns (2 ymm; 8 accumulators + 2 weights + temporaries fit the 16
// ymm registers). w points at the 16-column half of a panel, wstep bytes per 4 k.
// Per row and ymm: a = xq ^ 0x80 (= xq − 128 as int8), vpsignb gives sign(a)·w, vpmaddubsw
// |a|·(sign(a)·w) into exact int16 pair sums, vpmaddwd with ones into int32 4-sums.
AVX2_TARGET static ALWAYS_INLINE void tile_avx2(const uint8_t *x, size_t ldx, const int8_t *w,
                                                size_t wstep, size_t kg, int MR, __m256i acc[4][2]) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i bias80 = _mm256_set1_epi8((char)0x80);
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (size_t g = 0; g < kg; g++, x += 4, w += wstep) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)w);
        __m256i w1 = _mm256_loadu_si256((const __m256i *)(w + 32));
        for (int r = 0; r < MR; r++) {
            __m256i a = _mm256_xor_si256(_mm256_set1_epi32(load4(x + r * ldx)), bias80);
            __m256i aa = _mm256_abs_epi8(a);
            __m256i p0 = _mm256_maddubs_epi16(aa, _mm256_sign_epi8(w0, a));
            __m256i p1 = _mm256_maddubs_epi16(aa, _mm256_sign_epi8(w1, a));
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(p0, ones));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(p1, ones));
        }
    }
}

// Lane mask for maskload/maskstore: lane l active if l < left.
AVX2_TARGET static ALWAYS_INLINE __m256i lanes_avx2(int left) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Epilogue of one AVX2 tile (see store_vnni). Full tiles use plain stores, edge tiles maskstore.
AVX2_TARGET static ALWAYS_INLINE void store_avx2(__m256i acc[4][2], int MR, int RELU, int nc, const float *xscale,
                                                 const float *wscale, const float *bias, float *yf, int32_t *yi,
                                                 size_t ldy) {
    __m256i mk[2] = {lanes_avx2(nc), lanes_avx2(nc - 8)};
    int full = nc >= 16;
    if (yi) {
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++)
            for (int v = 0; v < 2; v++) {
                if (full) _mm256_storeu_si256((__m256i *)(yi + r * ldy + 8 * v), acc[r][v]);
                else _mm256_maskstore_epi32((int *)(yi + r * ldy + 8 * v), mk[v], acc[r][v]);
            }
        return;
    }
    __m256 ws[2], b[2];
    for (int v = 0; v < 2; v++) {
        ws[v] = _mm256_maskload_ps(wscale + 8 * v, mk[v]);
        b[v] = bias ? _mm256_maskload_ps(bias + 8 * v, mk[v]) : _mm256_setzero_ps();
    }
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
        __m256 xs = _mm256_set1_ps(xscale[r]);
        for (int v = 0; v < 2; v++) {
            __m256 f = _mm256_cvtepi32_ps(acc[r][v]);
            __m256 s = _mm256_mul_ps(xs, ws[v]);
            f = _mm256_mul_ps(f, s);
            f = _mm256_add_ps(f, b[v]);
            if (RELU) f = _mm256_max_ps(f, _mm256_setzero_ps());
            if (full) _mm256_storeu_ps(yf + r * ldy + 8 * v, f);
            else _mm256_maskstore_ps(yf + r * ldy + 8 * v, mk[v], f);
        }
    }
}

#define AVX2_CASE(MR)                                                                         \
    case MR: {                                                                                \
        __m256i acc[4][2];                                                                    \
        tile_avx2(x, ldx, w, wstep, kg, MR, acc);                                             \
        const float *wsj = wscale ? wscale + j0 : 0, *bj = bias ? bias + j0 : 0;              \
        float *yt = yf ? yf + (size_t)i0 * ldy + j0 : 0;                                      \
        int32_t *yti = yi ? yi + (size_t)i0 * ldy + j0 : 0;                                   \
        if (relu) store_avx2(acc, MR, 1, nc, xs, wsj, bj, yt, yti, ldy);                      \
        else store_avx2(acc, MR, 0, nc, xs, wsj, bj, yt, yti, ldy);                           \
    } break;

AVX2_TARGET static void gemm_avx2(const uint8_t *xq, int m, int k, size_t ldx, const int8_t *packed,
                                  int n, const float *xscale, const float *wscale, const float *bias,
                                  int relu, float *yf, int32_t *yi, size_t ldy) {
    size_t kp = round4(k), kg = kp / 4;
    for (int i0 = 0; i0 < m; i0 += 4) {
        int mr = m - i0 < 4 ? m - i0 : 4;
        const uint8_t *x = xq + (size_t)i0 * ldx;
        const float *xs = xscale ? xscale + i0 : 0;
        for (int j0 = 0; j0 < n; j0 += 16) {
            int q = j0 / 32, width = panel_width(q, n), c0 = j0 - 32 * q;
            int nc = n - j0 < 16 ? n - j0 : 16;
            const int8_t *w = packed + (size_t)q * 32 * kp + (size_t)c0 * 4;
            size_t wstep = (size_t)width * 4;
            switch (mr) { AVX2_CASE(4) AVX2_CASE(3) AVX2_CASE(2) AVX2_CASE(1) }
        }
    }
}

#endif // LOUPE_X86

// ---- Public entry points ------------------------------------------------------------------------

static void gemm_dispatch(const uint8_t *xq, int m, int k, size_t ldx, const int8_t *packed,
                          const int32_t *colsum, int n, const float *xscale, const float *wscale,
                          const float *bias, int relu, float *yf, int32_t *yi, size_t ldy) {
    if (m <= 0 || n <= 0 || k <= 0 || k > LOUPE_I8_MAX_K) return;
    switch (loupe_i8_isa()) {
#ifdef LOUPE_X86
    case 2: gemm_vnni(xq, m, k, ldx, packed, colsum, n, xscale, wscale, bias, relu, yf, yi, ldy); break;
    case 1: gemm_avx2(xq, m, k, ldx, packed, n, xscale, wscale, bias, relu, yf, yi, ldy); break;
#endif
    default: gemm_c(xq, m, k, ldx, packed, colsum, n, xscale, wscale, bias, relu, yf, yi, ldy); break;
    }
}

void loupe_i8_gemm(const uint8_t *xq, int m, int k, size_t ldx, const int8_t *packed,
                   const int32_t *colsum, int n, const float *xscale, const float *wscale,
                   const float *bias, int relu, float *y, size_t ldy) {
    gemm_dispatch(xq, m, k, ldx, packed, colsum, n, xscale, wscale, bias, relu, y, 0, ldy);
}

void loupe_i8_gemm_s32(const uint8_t *xq, int m, int k, size_t ldx, const int8_t *packed,
                       const int32_t *colsum, int n, int32_t *y, size_t ldy) {
    gemm_dispatch(xq, m, k, ldx, packed, colsum, n, 0, 0, 0, 0, 0, y, ldy);
}
