// Correctness tests for CLoupeKernels (int8 GEMM + quantization), every ISA path forced in turn.
// clang -O2 -ffp-contract=off -I.../include test_i8.c int8_gemm.c int8_quant.c -lm
#include "CLoupeKernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

static unsigned long long rng = 0x9E3779B97F4A7C15ull;
static unsigned rnd(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned)(rng >> 16);
}
static int irange(int lo, int hi) { return lo + (int)(rnd() % (unsigned)(hi - lo + 1)); }
static float frand(void) { return (float)((rnd() & 0xFFFFFF) / 16777216.0 * 2 - 1); }

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { if (failures++ < 20) { printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static float epi_ref(int32_t v, float xs, float ws, float b, int relu) {
    float f = (float)v;
    float s = xs * ws;
    float y = f * s;
    y = y + b;
    if (relu) y = y > 0.0f ? y : 0.0f;
    return y;
}

static size_t r4(int k) { return loupe_i8_min_ldx(k); }

// One GEMM case on the current ISA. mode: 0 random values, 1 extremes only.
static void gemm_case(int m, int n, int k, int mode) {
    size_t ldx = r4(k) + (size_t)irange(0, 5); // sometimes not a multiple of 4
    size_t ldy = (size_t)n + (size_t)irange(0, 3);
    int8_t *w = malloc((size_t)n * k);
    uint8_t *xq = malloc((size_t)m * ldx);
    for (size_t i = 0; i < (size_t)n * k; i++)
        w[i] = mode ? (rnd() & 1 ? 127 : -127) : (int8_t)irange(-127, 127);
    for (size_t i = 0; i < (size_t)m * ldx; i++) // padding bytes random too: they must not matter
        xq[i] = mode ? (rnd() & 1 ? 255 : 0) : (uint8_t)irange(0, 255);
    size_t pb = loupe_i8_packed_bytes(n, k);
    CHECK(pb == (size_t)((n + 15) / 16 * 16) * r4(k), "packed_bytes");
    int8_t *packed = malloc(pb + 64);
    memset(packed + pb, 0x5A, 64);
    int32_t *colsum = malloc(sizeof(int32_t) * n);
    CHECK(loupe_i8_pack(w, n, k, packed, colsum) == 0, "pack");
    for (int i = 0; i < 64; i++) CHECK(packed[pb + i] == 0x5A, "pack wrote past packed_bytes");

    int32_t *ref = malloc(sizeof(int32_t) * m * n);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            long long s = 0;
            for (int kk = 0; kk < k; kk++) s += ((int)xq[i * ldx + kk] - 128) * (long long)w[(size_t)j * k + kk];
            ref[i * n + j] = (int32_t)s;
        }

    // int32 output, canaries in the ldy gap and after the end
    size_t ysz = (size_t)m * ldy + 16;
    int32_t *yi = malloc(sizeof(int32_t) * ysz);
    for (size_t i = 0; i < ysz; i++) yi[i] = 0x7EADBEEF;
    loupe_i8_gemm_s32(xq, m, k, ldx, packed, colsum, n, yi, ldy);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++)
            CHECK(yi[i * ldy + j] == ref[i * n + j], "s32 isa=%d m=%d n=%d k=%d (%d,%d): %d vs %d",
                  loupe_i8_isa(), m, n, k, i, j, yi[i * ldy + j], ref[i * n + j]);
        for (size_t j = n; j < ldy; j++) CHECK(yi[i * ldy + j] == 0x7EADBEEF, "s32 wrote into ldy gap");
    }
    for (int i = 0; i < 16; i++) CHECK(yi[(size_t)m * ldy + i] == 0x7EADBEEF, "s32 wrote past end");

    // float output with scales, bias (or NULL) and relu
    float *xs = malloc(sizeof(float) * m), *ws = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);
    for (int i = 0; i < m; i++) xs[i] = fabsf(frand()) * 0.01f;
    for (int j = 0; j < n; j++) ws[j] = fabsf(frand()) * 0.02f, b[j] = frand();
    float *yf = malloc(sizeof(float) * ysz);
    for (int variant = 0; variant < 4; variant++) {
        int relu = variant & 1;
        const float *bias = variant & 2 ? b : NULL;
        for (size_t i = 0; i < ysz; i++) yf[i] = -12345.0f;
        loupe_i8_gemm(xq, m, k, ldx, packed, colsum, n, xs, ws, bias, relu, yf, ldy);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float e = epi_ref(ref[i * n + j], xs[i], ws[j], bias ? bias[j] : 0.0f, relu);
                float g = yf[i * ldy + j];
                CHECK(memcmp(&e, &g, 4) == 0, "f32 isa=%d m=%d n=%d k=%d relu=%d bias=%d (%d,%d): %.9g vs %.9g",
                      loupe_i8_isa(), m, n, k, relu, bias != NULL, i, j, g, e);
            }
            for (size_t j = n; j < ldy; j++) CHECK(yf[i * ldy + j] == -12345.0f, "f32 wrote into ldy gap");
        }
        for (int i = 0; i < 16; i++) CHECK(yf[(size_t)m * ldy + i] == -12345.0f, "f32 wrote past end");
    }
    free(w); free(xq); free(packed); free(colsum); free(ref); free(yi); free(xs); free(ws); free(b); free(yf);
}

// k at the limit with the worst signs: Σ (xq−128)·w = ±128·127·k must come out exact.
static void big_k_case(void) {
    int m = 3, n = 33, k = LOUPE_I8_MAX_K;
    size_t ldx = r4(k);
    int8_t *w = malloc((size_t)n * k);
    uint8_t *xq = malloc((size_t)m * ldx);
    for (int j = 0; j < n; j++) for (int kk = 0; kk < k; kk++) w[(size_t)j * k + kk] = j % 2 ? 127 : -127;
    for (int i = 0; i < m; i++) memset(xq + i * ldx, i == 0 ? 0 : i == 1 ? 255 : 1, ldx);
    int8_t *packed = malloc(loupe_i8_packed_bytes(n, k));
    int32_t colsum[33], y[3 * 33];
    CHECK(loupe_i8_pack(w, n, k, packed, colsum) == 0, "pack big k");
    loupe_i8_gemm_s32(xq, m, k, ldx, packed, colsum, n, y, n);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            long long a = i == 0 ? -128 : i == 1 ? 127 : -127;
            long long e = a * (j % 2 ? 127 : -127) * k;
            CHECK(y[i * n + j] == e, "big k isa=%d (%d,%d): %d vs %lld", loupe_i8_isa(), i, j, y[i * n + j], e);
        }
    CHECK(loupe_i8_pack(w, n, k + 1, packed, colsum) == -1, "pack must refuse k > max");
    free(w); free(xq); free(packed);
}

// ---- quantization ----

static uint8_t quant_ref(float x, float inv) {
    float q = x * inv;
    q = q > -127.0f ? q : -127.0f;
    q = q < 127.0f ? q : 127.0f;
    return (uint8_t)((int)roundf(q) + 128); // the documented rounding = C roundf
}

static void quant_case(int m, int k, int zero_rows, int isa_count) {
    size_t ldx = k + (size_t)irange(0, 3), ldq = r4(k) + (size_t)irange(0, 20);
    float *x = malloc(sizeof(float) * m * ldx);
    for (size_t i = 0; i < (size_t)m * ldx; i++) {
        float v = frand() * (float)(1 << irange(0, 12));
        if (rnd() % 7 == 0) v = roundf(v * 4) * 0.25f + 0.5f; // many exact halves after scaling
        x[i] = v;
    }
    if (zero_rows) for (int i = 0; i < m; i += 3) for (int kk = 0; kk < k; kk++) x[i * ldx + kk] = (i % 2) ? 1e-35f * frand() : 0.0f;
    size_t qsz = (size_t)m * ldq + 16;
    uint8_t *q[3], *qs[3];
    float *sc[3];
    float sscale = 0.37f / (float)irange(1, 50);
    for (int isa = 0; isa < isa_count; isa++) {
        loupe_i8_force_isa(isa);
        q[isa] = malloc(qsz); qs[isa] = malloc(qsz); sc[isa] = malloc(sizeof(float) * m);
        memset(q[isa], 0xEE, qsz); memset(qs[isa], 0xEE, qsz);
        loupe_i8_quantize_rows(x, m, k, ldx, q[isa], ldq, sc[isa]);
        loupe_i8_quantize_rows_static(x, m, k, ldx, sscale, qs[isa], ldq);
    }
    loupe_i8_force_isa(-1);
    for (int isa = 0; isa < isa_count; isa++) {
        for (int i = 0; i < m; i++) {
            const float *row = x + i * ldx;
            float amax = 0;
            for (int kk = 0; kk < k; kk++) amax = fmaxf(amax, fabsf(row[kk]));
            float es = amax >= 1e-30f ? amax / 127.0f : 0.0f, inv = amax >= 1e-30f ? 127.0f / amax : 0.0f;
            CHECK(memcmp(&es, &sc[isa][i], 4) == 0, "scale isa=%d k=%d row %d", isa, k, i);
            float sinv = 1.0f / sscale;
            for (size_t kk = 0; kk < ldq; kk++) {
                uint8_t e = kk < (size_t)k ? quant_ref(row[kk], inv) : 128;
                uint8_t es2 = kk < (size_t)k ? quant_ref(row[kk], sinv) : 128;
                CHECK(q[isa][i * ldq + kk] == e, "dyn isa=%d k=%d ldq=%zu (%d,%zu): %d vs %d (x=%.9g)", isa, k, ldq, i, kk,
                      q[isa][i * ldq + kk], e, kk < (size_t)k ? row[kk] : 0.0f);
                CHECK(qs[isa][i * ldq + kk] == es2, "static isa=%d k=%d (%d,%zu): %d vs %d", isa, k, i, kk, qs[isa][i * ldq + kk], es2);
            }
        }
        for (int i = 0; i < 16; i++) CHECK(q[isa][(size_t)m * ldq + i] == 0xEE && qs[isa][(size_t)m * ldq + i] == 0xEE, "quant wrote past end");
        CHECK(memcmp(q[isa], q[0], qsz) == 0 && memcmp(qs[isa], qs[0], qsz) == 0, "quant bytes differ between isa %d and 0", isa);
    }
    for (int isa = 0; isa < isa_count; isa++) { free(q[isa]); free(qs[isa]); free(sc[isa]); }
    free(x);
}

// Values at and next to every half-integer, with inv = 1 (dynamic: amax = 127; static: scale 1).
static void quant_special(int isa_count) {
    int k = 0;
    float x[1400];
    x[k++] = 127.0f; x[k++] = -0.0f; x[k++] = 0.0f; x[k++] = -127.0f; x[k++] = nextafterf(127.0f, 0.0f);
    for (int v = 0; v <= 126; v++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            float h = sgn * (v + 0.5f);
            x[k++] = h; x[k++] = nextafterf(h, 0.0f); x[k++] = nextafterf(h, 1e9f * sgn);
            x[k++] = (float)(sgn * v); x[k++] = nextafterf((float)(sgn * v), 0.0f);
        }
    size_t ldq = r4(k);
    uint8_t q[2][1400];
    float sc;
    for (int isa = 0; isa < isa_count; isa++) {
        loupe_i8_force_isa(isa);
        loupe_i8_quantize_rows(x, 1, k, k, q[0], ldq, &sc);
        loupe_i8_quantize_rows_static(x, 1, k, k, 1.0f, q[1], ldq);
        CHECK(sc == 1.0f, "special scale");
        for (int i = 0; i < k; i++) {
            uint8_t e = quant_ref(x[i], 1.0f);
            CHECK(q[0][i] == e && q[1][i] == e, "special isa=%d x=%.9g: %d %d vs %d", isa, x[i], q[0][i], q[1][i], e);
        }
    }
    loupe_i8_force_isa(-1);
}

// trunc(q + copysign(0.49999997f, q)) == roundf(q) for every float in [2^-30, 128) and its negative.
static void rounding_sweep(void) {
    uint32_t lo, hi;
    float flo = 0x1p-30f, fhi = 128.0f;
    memcpy(&lo, &flo, 4); memcpy(&hi, &fhi, 4);
    long bad = 0;
    for (uint32_t u = lo; u < hi; u++) {
        float q; memcpy(&q, &u, 4);
        volatile float h = 0.49999997f;
        float a = q + h, b = -q - h;
        if ((int)a != (int)roundf(q) || (int)b != (int)roundf(-q)) bad++;
    }
    CHECK(bad == 0, "rounding trick differs from roundf on %ld floats", bad);
}

int main(void) {
    int det = loupe_i8_isa_detected();
    printf("detected isa = %d\n", det);
    CHECK(loupe_i8_force_isa(5) == det, "forcing above detection must clamp");
    loupe_i8_force_isa(-1);
    rounding_sweep();

    static const int dims[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 15, 16, 17, 23, 31, 32, 33, 47, 48, 49, 63, 64, 65, 70};
    int nd = sizeof dims / sizeof dims[0];
    for (int isa = det; isa >= 0; isa--) {
        CHECK(loupe_i8_force_isa(isa) == isa, "force %d", isa);
        int before = failures;
        long cases = 0;
        for (int a = 0; a < nd; a++)
            for (int b = 0; b < nd; b++)
                for (int c = 0; c < nd; c += 2) { // k: every other listed value here, all below
                    gemm_case(dims[a], dims[b], dims[(c + a + b) % nd], 0); cases++;
                }
        for (int t = 0; t < 1500; t++) { gemm_case(irange(1, 70), irange(1, 70), irange(1, 70), t % 5 == 0); cases++; }
        for (int kk = 1; kk <= 70; kk++) { gemm_case(irange(1, 20), irange(1, 70), kk, 1); cases++; }
        gemm_case(200, 100, 600, 0); cases++;
        big_k_case();
        printf("isa %d: %ld gemm cases + big k: %s\n", isa, cases, failures == before ? "ok" : "FAILED");
    }
    loupe_i8_force_isa(-1);

    int before = failures;
    for (int kk = 1; kk <= 70; kk++) { quant_case(irange(1, 9), kk, kk % 3 == 0, det + 1); quant_case(irange(16, 50), kk, kk % 2 == 0, det + 1); }
    for (int t = 0; t < 50; t++) quant_case(irange(1, 40), irange(71, 700), t % 2, det + 1);
    quant_special(det + 1);
    printf("quantization (all isas agree with roundf reference): %s\n", failures == before ? "ok" : "FAILED");

    int8_t bad[4] = {1, -128, 3, 4}, pk[64];
    int32_t cs[1];
    CHECK(loupe_i8_pack(bad, 1, 4, pk, cs) == -1, "pack must refuse -128");

    printf(failures ? "FAILED: %d\n" : "all tests passed\n", failures);
    return failures != 0;
}
