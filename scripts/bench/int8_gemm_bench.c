// Benchmark: int8 GEMM (CLoupeKernels) vs cblas_sgemm (OpenBLAS, 1 thread), same shapes.
// clang -O2 -I.../include bench_i8.c int8_gemm.c int8_quant.c -lopenblas -lm   (no -march: the
// kernels' target attributes must do the work)
// Usage: ./bench_i8 [rounds=7] [isa=-1]
#include "CLoupeKernels.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static unsigned long long rng = 88172645463325252ull;
static float frand(void) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (float)((rng >> 40) / 16777216.0 * 2 - 1);
}
static int cmpd(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    int m, k, n;
    float *x, *w, *bias, *y, *y8;
    int8_t *packed;
    int32_t *colsum;
    float *wscale, *xscale, sscale;
    uint8_t *xq;
    size_t ldq;
} Case;

enum { V_SGEMM, V_I8, V_Q_I8, V_QS_I8, NV };
static const char *vname[NV] = {"sgemm", "i8 gemm", "dynq+gemm", "statq+gemm"};

static void run(Case *c, int v) {
    switch (v) {
    case V_SGEMM:
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c->m, c->n, c->k, 1.0f, c->x, c->k, c->w, c->k,
                    0.0f, c->y, c->n);
        break;
    case V_I8:
        loupe_i8_gemm(c->xq, c->m, c->k, c->ldq, c->packed, c->colsum, c->n, c->xscale, c->wscale, c->bias, 0,
                      c->y8, c->n);
        break;
    case V_Q_I8:
        loupe_i8_quantize_rows(c->x, c->m, c->k, c->k, c->xq, c->ldq, c->xscale);
        loupe_i8_gemm(c->xq, c->m, c->k, c->ldq, c->packed, c->colsum, c->n, c->xscale, c->wscale, c->bias, 0,
                      c->y8, c->n);
        break;
    case V_QS_I8: // static scale: the xscale array holds the one scale for every row
        loupe_i8_quantize_rows_static(c->x, c->m, c->k, c->k, c->sscale, c->xq, c->ldq);
        loupe_i8_gemm(c->xq, c->m, c->k, c->ldq, c->packed, c->colsum, c->n, c->xscale, c->wscale, c->bias, 0,
                      c->y8, c->n);
        break;
    }
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (argc > 2) loupe_i8_force_isa(atoi(argv[2]));
    openblas_set_num_threads(1);
    printf("isa %d, OpenBLAS 1 thread, median of %d interleaved rounds (~15 ms of calls per variant per round)\n",
           loupe_i8_isa(), rounds);
    static const int shapes[][3] = {{64, 784, 128}, {64, 128, 64}, {64, 1600, 128},
                                    {7744, 288, 64}, {43264, 9, 32}, {64, 64, 10}};
    printf("%-16s %9s %7s | %9s %9s %9s | %7s %7s %7s | %s\n", "m,k,n", "sgemm us", "GFLOP/s", "i8 us",
           "dynq+i8", "statq+i8", "x i8", "x dynq", "x statq", "rel err");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        Case c = {.m = shapes[s][0], .k = shapes[s][1], .n = shapes[s][2]};
        int m = c.m, k = c.k, n = c.n;
        c.ldq = loupe_i8_min_ldx(k);
        c.x = malloc(sizeof(float) * m * k);
        c.w = malloc(sizeof(float) * n * k);
        c.bias = malloc(sizeof(float) * n);
        c.y = malloc(sizeof(float) * m * n);
        c.y8 = malloc(sizeof(float) * m * n);
        c.xq = malloc((size_t)m * c.ldq);
        c.xscale = malloc(sizeof(float) * m);
        c.wscale = malloc(sizeof(float) * n);
        c.colsum = malloc(sizeof(int32_t) * n);
        c.packed = malloc(loupe_i8_packed_bytes(n, k));
        for (size_t i = 0; i < (size_t)m * k; i++) c.x[i] = frand();
        for (size_t i = 0; i < (size_t)n * k; i++) c.w[i] = frand() * 0.1f;
        for (int j = 0; j < n; j++) c.bias[j] = 0.0f;
        // weights: symmetric per-channel int8
        int8_t *wq = malloc((size_t)n * k);
        for (int j = 0; j < n; j++) {
            float amax = 0;
            for (int t = 0; t < k; t++) amax = fmaxf(amax, fabsf(c.w[(size_t)j * k + t]));
            c.wscale[j] = amax / 127.0f;
            for (int t = 0; t < k; t++) wq[(size_t)j * k + t] = (int8_t)lroundf(c.w[(size_t)j * k + t] / c.wscale[j]);
        }
        if (loupe_i8_pack(wq, n, k, c.packed, c.colsum)) { printf("pack failed\n"); return 1; }
        free(wq);
        c.sscale = 1.0f / 127.0f; // |x| ≤ 1
        // accuracy sanity: int8 (dynamic) vs float
        run(&c, V_SGEMM);
        run(&c, V_Q_I8);
        double emax = 0, ymax = 0;
        for (size_t i = 0; i < (size_t)m * n; i++) {
            emax = fmax(emax, fabs(c.y[i] - c.y8[i]));
            ymax = fmax(ymax, fabs(c.y[i]));
        }
        // reps per round so each variant runs ~15 ms (estimated from the sgemm time)
        double t0 = now();
        run(&c, V_SGEMM);
        double est = now() - t0;
        int reps = (int)(0.015 / (est > 1e-7 ? est : 1e-7));
        if (reps < 1) reps = 1;
        double *times = malloc(sizeof(double) * rounds * NV);
        for (int r = 0; r < rounds; r++)
            for (int v0 = 0; v0 < NV; v0++) {
                int v = (v0 + r) % NV; // rotate the order as well
                run(&c, v);            // warm
                t0 = now();
                for (int i = 0; i < reps; i++) run(&c, v);
                times[v * rounds + r] = (now() - t0) / reps;
            }
        double med[NV];
        for (int v = 0; v < NV; v++) {
            qsort(times + v * rounds, rounds, sizeof(double), cmpd);
            med[v] = times[v * rounds + rounds / 2];
        }
        char name[32];
        snprintf(name, sizeof name, "%d,%d,%d", m, k, n);
        printf("%-16s %9.1f %7.1f | %9.1f %9.1f %9.1f | %7.2f %7.2f %7.2f | %.4f\n", name, med[V_SGEMM] * 1e6,
               2.0 * m * n * k / med[V_SGEMM] * 1e-9, med[V_I8] * 1e6, med[V_Q_I8] * 1e6, med[V_QS_I8] * 1e6,
               med[V_SGEMM] / med[V_I8], med[V_SGEMM] / med[V_Q_I8], med[V_SGEMM] / med[V_QS_I8], emax / ymax);
        free(times); free(c.x); free(c.w); free(c.bias); free(c.y); free(c.y8); free(c.xq); free(c.xscale);
        free(c.wscale); free(c.colsum); free(c.packed);
    }
    (void)vname;
    return 0;
}
