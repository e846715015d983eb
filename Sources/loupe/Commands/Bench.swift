import ArgumentParser
import Foundation
import LoupeDistributed
import LoupeGGUF
import LoupeLLM

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Loupe's speed; prints one JSON object per line.",
        discussion: """
            Each line names its case and the implementation measured; peers (raw OpenBLAS, a STREAM \
            triad for memory bandwidth) are measured in the same run so the figures can be read as \
            ratios, which stay meaningful on a noisy shared machine.

            Examples:
              loupe bench engine
              loupe bench engine --quick
              loupe bench train --workload W1 --workload W2
              loupe bench debug
              loupe bench int8 --workload W1 --workload W2
              loupe bench llm --threads 1 --threads 2
              loupe bench trace
              loupe bench dashboard --runs 100 --steps 2000
            """,
        subcommands: [EngineBench.self, TrainBench.self, DebugBench.self, Int8Bench.self, StoreBench.self, LLMBench.self, FineTuneBench.self, TraceBench.self, DashboardBench.self, InstructionCasesBench.self, DistributedBench.self, AllReduceBench.self, ScalingBench.self]
    )
}

struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "sgemm vs raw OpenBLAS, conv2d, element-wise and reduction bandwidth, op dispatch cost.",
        discussion: """
            Cases (JSON field "case"): stream_triad (the memory-bandwidth peer), elementwise \
            (GB/s and fraction of the triad), reduction, sgemm (engine vs openblas, GFLOP/s), \
            conv2d (3×3, 32→32 channels on 28×28, forward+backward), mlp_step (784→128→64→10, \
            batch 64) and op_dispatch (cost of one recorded op, with and without hooks). Each \
            runs with 1 and 2 threads. Figures are medians of repeated runs.
            """
    )

    @Flag(help: "Fewer repetitions and sizes (about 30 s) for a quick look.") var quick = false

    @Option(name: .customLong("case"), help: ArgumentHelp(
        "Run only these cases (repeatable): \(EngineBenchmark.caseNames.joined(separator: ", ")).",
        valueName: "name"))
    var cases: [String] = []

    func validate() throws {
        for c in cases where !EngineBenchmark.caseNames.contains(c) {
            throw ValidationError("unknown case '\(c)'; choose from \(EngineBenchmark.caseNames.joined(separator: ", "))")
        }
    }

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try BenchRecording.run("bench-engine", storeOptions) { try EngineBenchmark(quick: quick, only: Set(cases)).run() }
    }
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Milliseconds per training step of the reference workloads W1–W5 (examples/w*.toml).",
        discussion: """
            Each step is forward, loss, backward and the optimizer step, on random data of the \
            workload's shape and batch size, with 2 and then 1 thread. Compare with \
            scripts/bench/pytorch_train.py, which runs the same five workloads in PyTorch.
            """
    )

    @Option(name: .customLong("workload"), help: "Run only these (repeatable): W1, W2, W3, W4, W5.") var workloads: [String] = []
    @Option(help: "Minimum measured steps per workload.") var steps = 10
    @Option(help: "The folder with the w*.toml run files.") var examples = "examples"

    func validate() throws {
        for w in workloads where !TrainBenchmark.workloads.map(\.name).contains(w) {
            throw ValidationError("unknown workload '\(w)'; choose from W1, W2, W3, W4, W5")
        }
    }

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try BenchRecording.run("bench-train", storeOptions) {
            try TrainBenchmark(examples: URL(fileURLWithPath: examples), steps: steps, only: Set(workloads)).run()
        }
    }
}

struct Int8Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "int8",
        abstract: "Inference of W1 and W2 in float32 and int8 (dynamic, static) at batch 64, interleaved rounds.",
        discussion: """
            The workloads' models (examples/w1, w2) on random inputs, converted by Int8Conversion; \
            each round times every variant (median of ≥ 20 calls). Prints milliseconds per batch \
            (median, min, max over rounds), examples/s, the speed-up over float32 and the model's \
            bytes as a checkpoint stores them.
            """
    )

    @Option(help: "Where the workload run files are.") var examples = "examples"
    @Option(name: .customLong("workload"), help: "Workloads (repeatable; default W1 and W2).") var workloads: [String] = []
    @Option(help: "Interleaved rounds.") var rounds = 7
    @Option(help: "Examples per batch.") var batch = 64
    @OptionGroup var storeOptions: StoreOptions

    func validate() throws {
        for w in workloads where !TrainBenchmark.workloads.contains(where: { $0.name == w }) {
            throw ValidationError("unknown workload '\(w)'; choose from W1, W2, W3, W4, W5")
        }
        guard rounds >= 1, batch >= 1 else { throw ValidationError("--rounds and --batch must be ≥ 1") }
    }

    func run() throws {
        try BenchRecording.run("bench-int8", storeOptions) {
            try Int8Benchmark(examples: URL(fileURLWithPath: examples), rounds: rounds, only: Set(workloads), batch: batch).run()
        }
    }
}

struct DebugBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "What the training debugger costs per step on W2 and W5: plain, monitor, monitor + non-finite locator.",
        discussion: """
            The monitor samples per-layer statistics every step for the first 50 steps, then every \
            10: "ms_per_step" and "overhead" are that steady state (medians over interleaved rounds), \
            "dense_phase_*" the first 50 steps. Goals: monitor ≤ 10%, locator ≤ 25%.
            """
    )

    @Option(name: .customLong("workload"), help: "Workloads (repeatable; default W2 and W5).") var workloads: [String] = []
    @Option(help: "Interleaved timing rounds.") var rounds = 5
    @Option(help: "Steps per mode per round.") var steps = 20
    @Option(help: "The folder with the w*.toml run files.") var examples = "examples"

    func validate() throws {
        for w in workloads where !TrainBenchmark.workloads.map(\.name).contains(w) {
            throw ValidationError("unknown workload '\(w)'; choose from W1, W2, W3, W4, W5")
        }
        guard rounds >= 1, steps >= 1 else { throw ValidationError("--rounds and --steps must be ≥ 1") }
    }

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try BenchRecording.run("bench-debug", storeOptions) {
            try DebugBenchmark(examples: URL(fileURLWithPath: examples), rounds: rounds, stepsPerRound: steps, only: Set(workloads)).run()
        }
    }
}

struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "What recording a run in the run store costs per training step on W1.",
        discussion: """
            W1's plain steps against steps that record their loss, learning rate and step time, in \
            interleaved rounds long enough to include the recorder's once-a-second writes \
            ("overhead": median over rounds of recorded/plain − 1, which the machine's noise can \
            swamp), and in each round the recorder alone doing the same steps' work, writes \
            included ("recorder_share_of_step": its time over the plain step's, median over \
            rounds, with min and max). Goal: ≤ 1%.
            """
    )

    @Option(help: "Interleaved timing rounds.") var rounds = 7
    @Option(help: "Seconds per side per round.") var seconds = 1.5
    @Option(help: "The folder with the w*.toml run files.") var examples = "examples"

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        guard rounds >= 1, seconds > 0 else { throw ValidationError("--rounds must be ≥ 1 and --seconds > 0") }
        try BenchRecording.run("bench-store", storeOptions) {
            try StoreBenchmark(examples: URL(fileURLWithPath: examples), rounds: rounds, secondsPerRound: seconds).run()
        }
    }
}

struct LLMBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Tokens/s of prompt processing (pp512) and generation (tg128, also at a 1,024-token depth), and peak memory, of the Llama runtime.",
        discussion: """
            Like llama-bench: pp512 evaluates 512 tokens in one batch from an empty cache; tg128 \
            generates 128 tokens one at a time; tg128@d1024 generates them after 1,024 tokens \
            already in the cache (llama-bench -d 1024: the cost of attending over a long \
            context); peak_rss is a fresh process that loads the model and \
            generates 128 tokens. Rounds follow one warm-up; "tokens_per_s" is their mean. When \
            llama.cpp's Python bindings are installed in ~/.cache/loupe/llamacpp-venv (see \
            scripts/bench/llamacpp_bench.py), llama.cpp is measured in the same run and \
            "ratio_loupe_over_llama_cpp" lines follow.
            """
    )

    @Option(name: .customLong("threads"), help: "Thread counts (repeatable; default 1 and 2).") var threadCounts: [Int] = []
    @Option(help: "Timed rounds per case.") var rounds = 5
    @Option(help: "A GGUF model (default: the fetched SmolLM2-135M-Instruct).") var model: String?
    @Flag(help: "Skip the llama.cpp peer even when it is installed.") var noPeer = false
    @Flag(help: .hidden) var rssProbe = false

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard threadCounts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--threads must be at least 1") }
    }

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let url = try DefaultModel.resolve(model)
        if rssProbe {
            try LLMBenchmark.rssProbe(threads: threadCounts.first ?? 2, model: url)
            return
        }
        let python = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe/llamacpp-venv/bin/python")
        let hasPeer = !noPeer && FileManager.default.isExecutableFile(atPath: python.path)
        try BenchRecording.run("bench-llm", storeOptions) {
            try LLMBenchmark(modelURL: url, threadCounts: threadCounts.isEmpty ? [1, 2] : threadCounts, rounds: rounds,
                             peerPython: hasPeer ? python : nil).run()
        }
    }
}

struct TraceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "What the inference tracer costs: generation plain, with tracing off, default and full capture.",
        discussion: """
            Times the same greedy generation (a 20-token prompt, then --steps tokens) four ways per \
            round, in turn: plain, tracing off (after a trace, its hooks removed), the default capture \
            and the full capture (logit lens and whole attention rows). "median_ratio_to_plain" is the \
            median over rounds of each mode's time over the plain run's in the same round.
            """
    )

    @Option(help: "Timed rounds (after one warm-up).") var rounds = 5
    @Option(help: "Tokens generated per run.") var steps = 64
    @Option(help: "A GGUF model (default: the fetched SmolLM2-135M-Instruct).") var model: String?

    func validate() throws {
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
    }

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try BenchRecording.run("bench-trace", storeOptions) {
            try TraceBenchmark(modelURL: try DefaultModel.resolve(model), rounds: rounds, steps: steps).run()
        }
    }
}

struct DashboardBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Milliseconds to serve the dashboard's runs page, a run's page and a 10-run compare page over a large store.",
        discussion: """
            Fills a store with --runs synthetic runs of --steps steps each (a loss per step, \
            validation metrics every 1,000 steps; the default 1,000 × 10,000 is 10 million scalars \
            and takes minutes), serves it on a free loopback port, and times real HTTP requests: \
            the median of --requests requests per page. Goals: runs page ≤ 1 s, run page ≤ 300 ms, \
            compare page ≤ 1 s. --store keeps the filled store for the next run.
            """
    )

    @Option(help: "Synthetic runs.") var runs = 1000
    @Option(help: "Steps per run (a multiple of 1,000 gives whole epochs).") var steps = 10000
    @Option(help: "Timed requests per page.") var requests = 5
    @Option(help: "Fill (or reuse, when it holds the runs already) this store instead of a temporary one.") var store: String?

    func validate() throws {
        guard runs >= 10 else { throw ValidationError("--runs must be at least 10 (the compare page shows 10)") }
        guard steps >= 1000 else { throw ValidationError("--steps must be at least 1000 (one epoch)") }
        guard requests >= 1 else { throw ValidationError("--requests must be at least 1") }
    }

    func run() throws {
        try DashboardBenchmark(runs: runs, steps: steps, requests: requests, storePath: store).run()
    }
}

struct FineTuneBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Seconds per LoRA fine-tuning step of the LLM, and the step's peak memory, by sequence length.",
        discussion: """
            Builds the float32 network of the model's weights (dequantized once) with LoRA adapters \
            of --rank on every projection (q, k, v, o, gate, up, down), then per --tokens length runs \
            one warm-up step and --steps timed ones (forward, the next-token loss on every token, \
            backward to the adapters, Adam) on a window of text. Prints one JSON line per length: \
            the median seconds per step and the process's peak resident memory during those steps.
            """
    )

    @Option(help: "Sequence lengths, in tokens (repeatable).") var tokens: [Int] = [64, 256]
    @Option(help: "Timed steps per length (after one warm-up).") var steps = 3
    @Option(help: "LoRA rank.") var rank = 8
    @Option(help: "A GGUF model (default: the fetched SmolLM2-135M-Instruct).") var model: String?
    @Flag(help: "Activation checkpointing: keep each block's input only, recompute the block in the backward pass.") var checkpointing = false

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard rank >= 1 else { throw ValidationError("--rank must be at least 1") }
        guard tokens.allSatisfy({ $0 >= 2 }) else { throw ValidationError("--tokens must be at least 2") }
    }

    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        try BenchRecording.run("bench-finetune", storeOptions) {
            try FineTuneBenchmark(modelURL: try DefaultModel.resolve(model), lengths: tokens, steps: steps, rank: rank, checkpointing: checkpointing).run()
        }
    }
}

struct DistributedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distributed",
        abstract: "A workload's training step data-parallel (under mpirun) or in one process: step time, communication wait and overlap.",
        discussion: """
            Under mpirun each rank trains on its share of a random batch of the workload's shape; \
            every rank measures each step, and rank 0 prints, with the all-reduce overlapped with \
            the backward pass and then not: step_ms (the slowest rank's median), wait_ms (blocked \
            on the reduction after the backward pass), communication_ms (reductions in flight). \
            Without mpirun it prints the one-process step for comparison. \
            scripts/bench/distributed.sh interleaves 2 ranks × 1 thread, 1 × 2 and 1 × 1.

            Examples:
              mpirun -np 2 loupe bench distributed --workload W2 --threads 1
              loupe bench distributed --workload W2 --threads 2
            """
    )

    @Option(name: .customLong("workload"), help: "W1, W2, W3, W4 or W5.") var workload = "W1"
    @Option(help: "Engine threads per process.") var threads = 1
    @Option(help: "Minimum measured steps per mode.") var steps = 10
    @Option(help: "The folder with the w*.toml run files.") var examples = "examples"
    @Option(help: "Megabytes of gradients per all-reduce.") var bucketMb = 1.0
    @Flag(help: "Add every rank's gradients in rank order.") var deterministicReduce = false

    func validate() throws {
        guard TrainBenchmark.workloads.contains(where: { $0.name == workload }) else {
            throw ValidationError("unknown workload '\(workload)'; choose from W1, W2, W3, W4, W5")
        }
        guard threads >= 1, steps >= 1, bucketMb > 0 else { throw ValidationError("--threads, --steps and --bucket-mb must be positive") }
    }

    func run() throws {
        var options: DistributedTraining.Options?
        if MPICommunicator.isLaunchedByMPI {
            var o = DistributedTraining.Options()
            o.bucketBytes = Int(bucketMb * 1_048_576)
            o.deterministicReduce = deterministicReduce
            options = o
        }
        try DistributedBenchmark(workload: TrainBenchmark.workloads.first { $0.name == workload }!, examples: URL(fileURLWithPath: examples),
                                 steps: steps, parallel: options, threads: threads).run()
    }
}

struct AllReduceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "MPI all-reduce times by message size, and the ring α–β model fitted to them (run under mpirun).",
        discussion: """
            Prints one JSON line per size (the slowest rank's time, median over rounds, with the \
            spread) and one with the fitted latency α and bandwidth 1/β and how well the model \
            fits. docs/DISTRIBUTED.md uses the model to predict larger clusters.

            Example:
              mpirun -np 2 loupe bench allreduce
            """
    )

    @Option(help: "Interleaved rounds.") var rounds = 7
    @Option(name: .customLong("bytes"), help: "Message sizes in bytes (repeatable; default 4 KB to 64 MB by ×4).") var sizes: [Int] = []

    func run() throws {
        guard MPICommunicator.isLaunchedByMPI else {
            throw ValidationError("run it under mpirun, e.g. mpirun -np 2 loupe bench allreduce")
        }
        let chosen = sizes.isEmpty ? (0..<8).map { 4096 << (2 * $0) } : sizes
        try AllReduceBenchmark(rounds: max(rounds, 1), sizes: chosen).run()
    }
}

struct ScalingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scaling",
        abstract: "Predict a data-parallel step on 8–64 nodes from the ring all-reduce α–β model (a prediction, not a measurement).",
        discussion: """
            One node's compute per step on the whole batch (--compute-ms, measured with loupe bench \
            train or distributed) is divided among the nodes — the global batch stays the run \
            file's — and the gradients (4 bytes per parameter, in buckets of --bucket-mb) are \
            all-reduced in a ring at each network's bandwidth and latency; --overlap is the share \
            of the all-reduce hidden behind the backward pass. docs/DISTRIBUTED.md explains it.

            Example:
              loupe bench scaling --compute-ms 190 --parameters 818048 --overlap 0.3
            """
    )

    @Option(help: "One node's compute per training step on the whole batch, milliseconds.") var computeMs: Double
    @Option(help: "Trainable parameters (gradients of 4 bytes each).") var parameters: Int
    @Option(help: "Megabytes per all-reduce bucket.") var bucketMb = 25.0
    @Option(help: "Share of the all-reduce hidden behind the backward pass, 0…1.") var overlap = 0.0
    @Option(name: .customLong("nodes"), help: "Cluster sizes (repeatable; default 8, 16, 32, 64).") var nodes: [Int] = []
    @Option(name: .customLong("network"), help: "GBPS:LATENCY_US (repeatable; default 10:25, 25:10, 100:5).") var networks: [String] = []

    func run() throws {
        guard computeMs > 0, parameters > 0, bucketMb > 0, (0...1).contains(overlap) else {
            throw ValidationError("--compute-ms, --parameters and --bucket-mb must be positive, --overlap in 0…1")
        }
        let parsed = try (networks.isEmpty ? ["10:25", "25:10", "100:5"] : networks).map { text -> (Double, Double) in
            let parts = text.split(separator: ":").compactMap { Double($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] >= 0 else { throw ValidationError("--network \(text): expected GBPS:LATENCY_US, e.g. 25:10") }
            return (parts[0], parts[1])
        }
        ScalingPrediction(computeMs: computeMs, parameters: parameters, bucketBytes: Int(bucketMb * 1_048_576), overlap: overlap,
                          nodes: nodes.isEmpty ? [8, 16, 32, 64] : nodes, networks: parsed.map { (gbps: $0.0, latencyUs: $0.1) }).run()
    }
}
