# Loupe: the two commands a new machine needs are `make demo` and `make test`.
# Both install what is missing (scripts/setup.sh), then build in release: numeric Swift code built
# for baseline x86-64 runs 10-100x slower, so the CPU's own vector instructions are enabled.

SWIFT_FLAGS := -c release -Xcc -march=native
TEST_FLAGS  := $(SWIFT_FLAGS) -Xswiftc -enable-testing
LOUPE       := .build/release/loupe

FUZZ_SECONDS ?= 1800

.PHONY: setup build demo test bench bench-check fuzz clean

setup:
	@scripts/setup.sh

build: setup
	swift build $(SWIFT_FLAGS) --product loupe

## Look inside a small network, train a CNN and an MLP on the built-in digits from their run
## files, evaluate both against a requirement (reports in runs/digits-*/latest/eval/report.html)
## and say which is the best buy, let the debugger catch a diverging run and repair it, run
## SmolLM2-135M (a raw prompt, then a chat turn through the model's template), score its
## perplexity on the built-in Shakespeare and a small multiple-choice task, trace a short
## generation (runs/trace.html, a Chrome trace beside it), serve the model with OpenAI's API and
## stream one traced chat reply with curl, teach it invented facts with LoRA under the debugger and
## compare it before and after (scripts/finetune-demo.sh), profile one training step, measure the
## engine, list the runs and screenshot the dashboard's pages (runs/dashboard-*.png).
demo: build
	$(LOUPE) demo
	$(LOUPE) train examples/digits-cnn.toml
	$(LOUPE) train examples/digits-mlp.toml
	$(LOUPE) eval digits-cnn --require "macro_f1 >= 0.93" --require "p95_latency_ms <= 5"
	$(LOUPE) eval digits-mlp --require "macro_f1 >= 0.93" --require "p95_latency_ms <= 5"
	$(LOUPE) compare digits-cnn digits-mlp
	$(LOUPE) compress digits-cnn --plan int8,prune:0.5,prune:0.5+int8
	$(LOUPE) debug examples/diverging-mlp.toml --fix
	$(LOUPE) generate "The three primary colors are" --temperature 0 --max-tokens 40
	echo "Write a haiku about the ocean." | $(LOUPE) chat --temperature 0.7 --seed 1 --max-tokens 60
	$(LOUPE) eval-lm --context 512 --chunks 8 --task examples/tasks/everyday-sense.jsonl
	$(LOUPE) trace "The capital of France is" --steps 8 --full --target " Paris" --distractor " Berlin" \
		--html runs/trace.html --chrome-trace runs/trace.chrome.json
	scripts/serve-demo.sh $(LOUPE)
	scripts/finetune-demo.sh $(LOUPE)
	$(LOUPE) profile examples/digits-cnn.toml --chrome-trace runs/digits-cnn.profile.json
	OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -np 2 --oversubscribe $(LOUPE) train examples/distributed/digits-bn.toml
	$(LOUPE) bench engine --quick
	$(LOUPE) runs list
	$(HOME)/.cache/loupe/peers-venv/bin/python scripts/peers/dashboard_screenshots.py $(LOUPE) $${LOUPE_STORE:-runs/loupe.sqlite} runs
	@echo "Browse these runs: $(LOUPE) dashboard   (then open http://127.0.0.1:7788)"

## Every test, in release (debug builds of numeric code are very slow), then the commands end to
## end (their JSON, a chat turn, bad input, the run store, TensorBoard export read back by the
## real tensorboard), then the event-file writer against tensorboard itself, the LLM server through
## the real openai client and under faults (disconnects, huge bodies, idle connections, SIGTERM). The replay test in
## `swift test` feeds every fuzz harness its seeds and every crash ever found, and 1.5 s of inputs
## mutated from its seeds (the short fuzz pass: `make fuzz` fuzzes at length, coverage-guided,
## under AddressSanitizer); then the fault tests (kill -9, full disk, read-only folders, two processes).
test: setup
	swift build --build-tests $(TEST_FLAGS)
	swift test --skip-build $(TEST_FLAGS)
	scripts/kernels-test.sh
	scripts/smoke-cli.sh $(LOUPE)
	scripts/fault-tests.sh $(LOUPE)
	scripts/distributed-tests.sh $(LOUPE)
	scripts/peers/tensorboard-check.sh
	$(HOME)/.cache/loupe/peers-venv/bin/python scripts/peers/openai_check.py $(LOUPE)
	python3 scripts/peers/serve_faults.py $(LOUPE)
	$(HOME)/.cache/loupe/peers-venv/bin/python scripts/peers/dashboard_browser_check.py $(LOUPE)

## The full engine benchmark (figures in BENCHMARKS.md).
bench: build
	$(LOUPE) bench engine

## Instructions per W1 step, W5 step and generated token under callgrind (deterministic, unlike
## wall time here), against scripts/bench/callgrind-baseline.json: fails naming any case more than
## 5% above it. A separate AVX2-level (haswell) build (valgrind 3.19 lacks AVX-512); the first one takes minutes.
bench-check: setup
	scripts/bench/callgrind.sh --check

## Every fuzz harness for FUZZ_SECONDS each (default 30 minutes); crashes land in Fuzz/Regressions/.
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	swift package clean
