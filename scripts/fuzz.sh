#!/usr/bin/env bash
# Fuzzes Loupe's readers of user input with libFuzzer (docs/RELIABILITY.md, "Fuzzing").
#
#   scripts/fuzz.sh [SECONDS] [HARNESS...]     e.g. scripts/fuzz.sh 60 gguf
#
# Builds Fuzz/Harness with AddressSanitizer and coverage instrumentation into .build/fuzz (its own
# scratch path: the normal build is untouched), then runs each harness for SECONDS (default 60)
# from its seeds in Fuzz/Corpus/<harness>/. New interesting inputs go to .build/fuzz/corpus/
# (not committed); a crash, hang (-timeout) or huge allocation (-rss_limit_mb, -malloc_limit_mb)
# is written to Fuzz/Regressions/<harness>/ to be fixed and committed, where the replay test
# (Tests/LoupeFuzzTests) feeds it back on every `swift test`. Prints runs and runs/s per harness;
# exits 1 if any harness found something.
#
# LOUPE_FUZZ_NO_BUILD=1 skips the build; LOUPE_FUZZ_ARGS adds libFuzzer flags (e.g. -jobs=2).
# FUZZ_BUILD=debug builds without optimisation into .build/fuzz-debug: about a minute and a half
# instead of ten or more, for the brief run `make test` does; the long runs use release.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
[[ $# -gt 0 ]] && shift
harnesses=("$@")
[[ ${#harnesses[@]} -eq 0 ]] && harnesses=(gguf safetensors csv idx cifar tokenizer chat-template run-file store mc-task chat-request serve-request chat-data adapter-config rank-messages)

configuration=${FUZZ_BUILD:-release}
[[ $configuration == release || $configuration == debug ]] || { echo "fuzz: FUZZ_BUILD must be release or debug" >&2; exit 2; }
scratch=.build/fuzz
[[ $configuration == debug ]] && scratch=.build/fuzz-debug
binary=$scratch/$configuration/loupe-fuzz
if [[ -z ${LOUPE_FUZZ_NO_BUILD:-} ]]; then
    runtime=$(ls "$(dirname "$(dirname "$(readlink -f "$(command -v swiftc)")")")"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)
    echo "fuzz: building loupe-fuzz with AddressSanitizer and libFuzzer ($scratch)"
    # SwiftPM gives an executable its own `main`, so libFuzzer's no-main runtime is linked and
    # the harness calls LLVMFuzzerRunDriver; -sanitize-coverage is what -sanitize=fuzzer adds.
    swift build -c "$configuration" --scratch-path "$scratch" --product loupe-fuzz \
        -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
        -Xswiftc -DLOUPE_FUZZING -Xlinker "$runtime" -Xlinker -lstdc++ 2>&1 \
        | grep -E 'error|warning: ' | grep -v -e "Cannot export local symbol '__asan" -e "'swift-distributed-tracing': found 1 file" || true
    [[ -x $binary ]] || { echo "fuzz: build failed" >&2; exit 2; }
fi

# A crash must end the process at once: Swift's backtracer would otherwise wait on a hung child.
export SWIFT_BACKTRACE=enable=no
# A smaller quarantine than ASan's 256 MB: the run-file harness builds models of up to 256 MB of
# training memory, and with the default the process's RSS crept past 2 GB over 5 million runs
# (held by the allocator, not leaked: replaying that corpus in a plain build grows by kilobytes).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=0:quarantine_size_mb=32}
status=0
summary=()
for h in "${harnesses[@]}"; do
    [[ -d Fuzz/Corpus/$h ]] || { echo "fuzz: no harness \"$h\" (no Fuzz/Corpus/$h)" >&2; exit 2; }
    mkdir -p "$scratch/corpus/$h" "$scratch/logs" "Fuzz/Regressions/$h"
    log=$scratch/logs/$h.log
    echo "fuzz: $h for ${seconds}s (log: $log)"
    set +e
    # shellcheck disable=SC2086
    LOUPE_FUZZ_HARNESS=$h "$binary" "$scratch/corpus/$h" "Fuzz/Corpus/$h" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -malloc_limit_mb=1024 \
        -artifact_prefix="Fuzz/Regressions/$h/" -print_final_stats=1 -detect_leaks=0 \
        ${LOUPE_FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?
    set -e
    runs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -1)
    rate=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    if grep -q 'loupe-fuzz: skipped' "$log"; then
        line="$h: $(grep -o 'skipped.*' "$log" | head -1)"
    elif [[ $rc -eq 0 ]]; then
        line="$h: ${runs:-?} runs in ${took:-$seconds}s (${rate:-?}/s), no crash"
    else
        status=1
        found=$(grep -o "Test unit written to .*" "$log" | sed 's/Test unit written to //' | tail -1)
        line="$h: FOUND after ${runs:-?} runs (exit $rc): ${found:-see $log}"
        grep -m1 -E 'Fatal error|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY' "$log" | sed 's/^/    /' || true
    fi
    echo "  $line"
    summary+=("$line")
done
echo "fuzz: summary"
printf '  %s\n' "${summary[@]}"
exit $status
