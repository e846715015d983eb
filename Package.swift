// swift-tools-version: 6.0
import PackageDescription

// The LLM runtime's integer kernels call AVX2/FMA/F16C intrinsics (x86-64-v3, every x86 server
// CPU since 2013). `make` builds everything with -march=native; these flags let a plain
// `swift build` compile them too instead of crashing the compiler.
#if arch(x86_64)
let vectorKernelFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-Xcc", "-mf16c"])]
#else
let vectorKernelFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "Loupe",
    products: [
        .library(name: "LoupeCore", targets: ["LoupeCore"]),
        .library(name: "LoupeNN", targets: ["LoupeNN"]),
        .library(name: "LoupeData", targets: ["LoupeData"]),
        .library(name: "LoupeSafeTensors", targets: ["LoupeSafeTensors"]),
        .library(name: "LoupeGGUF", targets: ["LoupeGGUF"]),
        .library(name: "LoupeReport", targets: ["LoupeReport"]),
        .library(name: "LoupeEval", targets: ["LoupeEval"]),
        .library(name: "LoupeHTTP", targets: ["LoupeHTTP"]),
        .library(name: "LoupeServe", targets: ["LoupeServe"]),
        .library(name: "LoupeStore", targets: ["LoupeStore"]),
        .library(name: "LoupeTOML", targets: ["LoupeTOML"]),
        .library(name: "LoupeTrain", targets: ["LoupeTrain"]),
        .library(name: "LoupeDistributed", targets: ["LoupeDistributed"]),
        .library(name: "LoupeDebug", targets: ["LoupeDebug"]),
        .library(name: "LoupeCompress", targets: ["LoupeCompress"]),
        .library(name: "LoupeLLM", targets: ["LoupeLLM"]),
        .library(name: "LoupeFineTune", targets: ["LoupeFineTune"]),
        .library(name: "LoupeTrace", targets: ["LoupeTrace"]),
        .library(name: "LoupeTensorBoard", targets: ["LoupeTensorBoard"]),
        .library(name: "LoupeDashboard", targets: ["LoupeDashboard"]),
        .executable(name: "loupe", targets: ["loupe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's own foundation, named for NIOCore's IOError (a port already in use).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        // The server's access log (Hummingbird logs through it too) and its /metrics.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // ServiceGroup: SIGTERM drains the server, then the engine, with a deadline.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // OpenBLAS through pkg-config (Debian: libopenblas-dev).
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "LoupeCore",
            dependencies: [
                "CBLAS",
                "CLoupeKernels",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // zlib through pkg-config (Debian: zlib1g-dev), for .gz datasets.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Kernels in C, for per-function target attributes (paths chosen at run time): the int8
        // inference GEMM and activation quantization, the LLM's 4-bit rows and KV-cache attention,
        // and the float GEMM against a packed operand that recurrent layers reuse per time step.
        .target(name: "CLoupeKernels"),
        // Layers, losses, optimizers and schedules on the engine's ops; the int8 layers.
        .target(name: "LoupeNN", dependencies: ["LoupeCore", "CLoupeKernels"]),
        // Datasets, loaders, normalization and file readers (CSV, IDX, CIFAR-10, text).
        .target(name: "LoupeData", dependencies: ["LoupeCore", "CZlib"], resources: [.copy("Builtin")]),
        // The safetensors format (reader, writer, the strict JSON its header needs).
        .target(name: "LoupeSafeTensors", dependencies: ["LoupeCore"]),
        // The GGUF format family: the container, GGML types and block layouts, dequantization,
        // and the dot-product kernels that read quantized blocks in place.
        .target(name: "LoupeGGUF", dependencies: ["LoupeCore", "CLoupeKernels"], swiftSettings: vectorKernelFlags),
        // TensorBoard's event files: TFRecord framing, scalars, histograms, text and the HParams
        // plugin's records. Only the protobuf runtime: the messages are generated once and
        // committed (scripts/proto/generate.sh); Proto/ holds the .proto files they came from.
        .target(
            name: "LoupeTensorBoard",
            dependencies: ["LoupeCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto"]
        ),
        // What every report draws with: SVG charts, HTML pages, terminal output, the JSON policy.
        .target(name: "LoupeReport", dependencies: ["LoupeCore"]),
        // Quality and cost of a model: metrics as scikit-learn computes them, calibration, verdicts,
        // cost, language-model perplexity/KLD/multiple choice, the evaluation report and Pareto.
        .target(name: "LoupeEval", dependencies: ["LoupeCore", "LoupeLLM", "LoupeReport", "LoupeStore", "LoupeTrain", "LoupeSafeTensors"]),
        // Every run remembered: one SQLite database (GRDB) of runs, hyperparameters, scalars,
        // records and artifacts; the recorder features write through.
        .target(name: "LoupeStore", dependencies: ["LoupeCore", "LoupeReport", "LoupeTensorBoard", .product(name: "GRDB", package: "GRDB.swift")]),
        // A strict TOML 1.0 reader (and the string quoting its writers need), no dependencies:
        // run files are outside bytes, so every input must end in a value or an error, never a trap.
        .target(name: "LoupeTOML"),
        // Trainer, callbacks, metrics, checkpoints and typed TOML run files.
        .target(name: "LoupeTrain", dependencies: [
            "LoupeNN", "LoupeData", "LoupeSafeTensors", "LoupeReport", "LoupeStore", "LoupeTensorBoard", "LoupeTOML",
            "LoupeFineTune", "LoupeLLM", "LoupeGGUF",
        ]),
        // Open MPI through pkg-config (Debian: libopenmpi-dev). Without it the shim's header is
        // empty and CLoupeMPI builds its stand-ins: Loupe builds and trains on one process.
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]
        ),
        // The MPI calls data-parallel training makes, behind C types Swift can hold.
        .target(name: "CLoupeMPI", dependencies: ["CMPI"]),
        // Data-parallel training on MPI: sharded batches, bucketed all-reduce overlapped with the
        // backward pass, synchronised BatchNorm, rank checks (agreement, stragglers, desync).
        .target(name: "LoupeDistributed", dependencies: ["LoupeTrain", "LoupeCore", "LoupeNN", "LoupeReport", "CLoupeMPI"]),
        // The training debugger: health monitor, non-finite locator, diagnosis, fixes, reports.
        .target(name: "LoupeDebug", dependencies: ["LoupeTrain", "LoupeDistributed", "LoupeReport", "LoupeStore", "LoupeFineTune", "LoupeLLM", "LoupeData"]),
        // The LLM runtime: byte-level BPE tokenizer, the Llama forward pass on quantized GGUF
        // weights, sampling and generation, where the default model lives.
        .target(name: "LoupeLLM", dependencies: ["LoupeGGUF", "LoupeCore", "LoupeNN", "CBLAS", "CLoupeKernels"], swiftSettings: vectorKernelFlags),
        // Compression of trained runs: int8, magnitude and structured pruning, distillation, each
        // result a run of its own, evaluated into one accuracy-cost table (`loupe compress`).
        .target(name: "LoupeCompress", dependencies: ["LoupeTrain", "LoupeDebug", "LoupeEval", "LoupeStore", "LoupeNN", "LoupeSafeTensors", "LoupeReport"]),
        // LoRA fine-tuning of the LLM: Hugging Face's Llama layout and PEFT's adapter files.
        .target(name: "LoupeFineTune", dependencies: ["LoupeLLM", "LoupeNN", "LoupeSafeTensors", "LoupeReport", "LoupeCore"]),
        // The inference tracer: every generated token's forward pass recorded as a cycle.
        .target(name: "LoupeTrace", dependencies: ["LoupeLLM", "LoupeReport"]),
        // What every Loupe web server shares (Hummingbird): access tokens and API keys, the
        // loopback rule, the access log, server-sent events, file-descriptor limits.
        .target(name: "LoupeHTTP", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Serving: the OpenAI-compatible LLM server (slots, continuous batching, traces, metrics)
        // and the predict server for trained runs (micro-batching).
        .target(name: "LoupeServe", dependencies: [
            "LoupeLLM", "LoupeTrace", "LoupeHTTP", "LoupeTrain", "LoupeEval", "LoupeStore",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // The web dashboard: server-rendered pages over the run store (Hummingbird), charts from
        // LoupeReport, live updates by server-sent events.
        .target(name: "LoupeDashboard", dependencies: [
            "LoupeStore", "LoupeReport", "LoupeEval", "LoupeHTTP", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // One fuzz entry point per reader of user input, shared by the libFuzzer binary and the
        // replay tests (docs/RELIABILITY.md).
        .target(name: "LoupeFuzz", dependencies: ["LoupeGGUF", "LoupeSafeTensors", "LoupeData", "LoupeEval", "LoupeLLM", "LoupeServe", "LoupeTrain", "LoupeStore", "LoupeFineTune", "LoupeDistributed",
                                              .product(name: "GRDB", package: "GRDB.swift")]),
        // The fuzz binary: libFuzzer when scripts/fuzz.sh builds it, a replayer in a plain build.
        .executableTarget(name: "loupe-fuzz", dependencies: ["LoupeFuzz"], path: "Fuzz/Harness"),
        // Fixture loading and tolerance checks shared by the test targets.
        .target(name: "LoupeTestSupport", dependencies: ["LoupeCore"]),
        .executableTarget(
            name: "loupe",
            dependencies: [
                "LoupeCore",
                "LoupeTrain",
                "LoupeEval",
                "LoupeDebug",
                "LoupeDistributed",
                "LoupeCompress",
                "LoupeLLM",
                "LoupeFineTune",
                "LoupeTrace",
                "LoupeGGUF",
                "LoupeReport",
                "LoupeStore",
                "LoupeDashboard",
                "LoupeServe",
                "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "LoupeCoreTests",
            dependencies: ["LoupeCore", "LoupeTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "LoupeNNTests", dependencies: ["LoupeNN", "CLoupeKernels", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeDataTests", dependencies: ["LoupeData", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeTOMLTests", dependencies: ["LoupeTOML", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeTrainTests", dependencies: ["LoupeTrain", "LoupeReport", "LoupeStore", "LoupeFineTune", "LoupeLLM", "LoupeSafeTensors", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeCompressTests", dependencies: ["LoupeCompress", "LoupeTrain", "LoupeEval", "LoupeNN", "LoupeSafeTensors", "LoupeTestSupport"]),
        .testTarget(name: "LoupeDistributedTests", dependencies: ["LoupeDistributed", "LoupeTrain", "LoupeNN", "LoupeData", "LoupeReport", "LoupeTestSupport"]),
        .testTarget(name: "LoupeDebugTests", dependencies: ["LoupeDebug", "LoupeReport", "LoupeTestSupport"]),
        .testTarget(name: "LoupeFineTuneTests", dependencies: ["LoupeFineTune", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeLLMTests", dependencies: ["LoupeLLM", "CLoupeKernels", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeTraceTests", dependencies: ["LoupeTrace", "LoupeReport", "LoupeTestSupport"]),
        .testTarget(name: "LoupeSafeTensorsTests", dependencies: ["LoupeSafeTensors", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeGGUFTests", dependencies: ["LoupeGGUF", "CLoupeKernels", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeFuzzTests", dependencies: ["LoupeFuzz", "LoupeTrain", "LoupeTestSupport"]),
        .testTarget(name: "LoupeReportTests", dependencies: ["LoupeReport", "LoupeTestSupport"]),
        .testTarget(name: "LoupeEvalTests", dependencies: ["LoupeEval", "LoupeNN", "LoupeStore", "LoupeTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LoupeServeTests", dependencies: [
            "LoupeServe", "LoupeHTTP", "LoupeTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "LoupeStoreTests", dependencies: ["LoupeStore", "LoupeTestSupport"]),
        .testTarget(name: "LoupeTensorBoardTests", dependencies: [
            "LoupeTensorBoard", "LoupeTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        .testTarget(name: "LoupeDashboardTests", dependencies: [
            "LoupeDashboard", "LoupeHTTP", "LoupeStore", "LoupeTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
    ],
    // Swift 5 mode: the engine's kernels share raw buffers across DispatchQueue.concurrentPerform
    // chunks, which strict Sendable checking cannot express without wrapping every pointer.
    swiftLanguageModes: [.v5]
)
