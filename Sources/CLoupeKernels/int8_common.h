// What the kernel files share (private to the target): the platform switch, the rule that keeps
// every path's floats bit-identical, and half-precision conversion for the portable paths.
#ifndef CLOUPEKERNELS_INT8_COMMON_H
#define CLOUPEKERNELS_INT8_COMMON_H

#include "CLoupeKernels.h"

#include <string.h>

// The SIMD paths exist only on x86-64; elsewhere (e.g. arm64), or with -DLOUPE_I8_PORTABLE_ONLY,
// only the portable path is compiled.
#if defined(__x86_64__) && !defined(LOUPE_I8_PORTABLE_ONLY)
#define LOUPE_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

// Bit-identical floats across paths: never fuse a*b + c into an FMA (the SIMD paths use separate
// mul and add instructions; the C path must not be contracted either, whatever flags build it).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off") // GCC ignores the STDC pragma and defaults to "fast"
#endif

// IEEE half → float, exactly (subnormals, infinities; NaNs stay NaN), for the portable paths.
static inline float loupe_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exponent = (h >> 10) & 31, mantissa = h & 1023, bits;
    if (exponent == 31) {
        bits = sign | 0x7F800000u | (mantissa << 13) | (mantissa ? 0x400000u : 0); // inf, quiet NaN
    } else if (exponent == 0) {
        float f = (float)mantissa * 0x1p-24f; // subnormal (or zero): exact
        return sign ? -f : f;
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

#define AVX2_TARGET __attribute__((target("avx2,fma")))
#define ALWAYS_INLINE inline __attribute__((always_inline))

#endif
