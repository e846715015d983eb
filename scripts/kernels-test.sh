#!/usr/bin/env bash
# The int8 kernels' own C tests (Tests/CLoupeKernelsTests/test_i8.c): exact integer results and
# bit-identical floats on every instruction-set path (AVX-512 VNNI, AVX2, portable C), forced in
# turn, over thousands of odd shapes. Compiled with no -march flag, as SwiftPM compiles the target.
set -euo pipefail
cc="$(command -v clang || command -v cc)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$cc" -O2 -Wall -Wextra -ffp-contract=off -I Sources/CLoupeKernels/include Tests/CLoupeKernelsTests/test_i8.c \
    Sources/CLoupeKernels/int8_gemm.c Sources/CLoupeKernels/int8_quant.c -lm -o "$out/test_i8"
"$out/test_i8"
