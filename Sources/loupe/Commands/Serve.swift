import ArgumentParser
import Foundation
import Logging
import LoupeCore
import LoupeGGUF
import LoupeHTTP
import LoupeLLM
import LoupeServe
import LoupeStore
import LoupeEval

/// `loupe serve`: an OpenAI-compatible server over a GGUF model, or (`loupe serve RUN`) a predict
/// server over a trained run.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a language model with OpenAI's API, or a trained run at /v1/predict.",
        discussion: """
            Without RUN: the GGUF model (default SmolLM2-135M-Instruct) behind OpenAI's API — \
            POST /v1/chat/completions and /v1/completions (streamed with "stream": true), \
            GET /v1/models, /health, /metrics (Prometheus), POST /tokenize, /detokenize. \
            --parallel requests generate together (one batched forward pass per token); more wait \
            in a queue of --queue, and past that get 503 with Retry-After. A request with \
            "loupe": {"trace": "default"} (or the header X-Loupe-Trace: default) is traced: the \
            reply names its trace, at /v1/traces/ID (JSON) and /v1/traces/ID/html (the page); it is \
            also recorded in the run store as a "served" trace run, which loupe dashboard lists \
            (--no-record: not recorded).

            With RUN (a run's folder, id, id prefix or name from the store): its model at \
            POST /v1/predict, GET /v1/model, /health, /metrics; concurrent requests are batched \
            (--max-batch, --max-wait-ms).

            Listens on 127.0.0.1 unless --host says otherwise; any other address needs an API key \
            (--api-key or --api-key-file), sent as "Authorization: Bearer KEY" (/health needs none). \
            SIGTERM or Ctrl-C stops accepting, finishes the running requests (up to --drain-timeout), \
            then exits. One access-log line per request goes to standard error (--json-log: JSON).

            Examples:
              loupe serve
              curl -N http://127.0.0.1:8080/v1/chat/completions -d '{"model": "smollm2", "stream": true,
                "messages": [{"role": "user", "content": "Name three colors."}]}'
              loupe serve --host 0.0.0.0 --api-key-file ~/.config/loupe/key --parallel 8
              loupe serve digits-cnn --port 8081
            """
    )

    @Argument(help: ArgumentHelp("A trained run to serve at /v1/predict (omit to serve the language model).", valueName: "run")) var runReference: String?
    @Option(help: "The GGUF model (default: SmolLM2-135M-Instruct from scripts/fetch-model.sh).") var model: String?
    @Option(help: "The address to listen on; anything but loopback needs an API key.") var host = "127.0.0.1"
    @Option(help: "The port (0 picks a free one).") var port = 8080
    @Option(help: "The API key requests must send as 'Authorization: Bearer KEY' (16+ letters, digits, '-', '.', '_', '~').") var apiKey: String?
    @Option(help: "A file holding the API key (its first line).") var apiKeyFile: String?
    @Option(help: "Requests generating at once, each with its own KV cache.") var parallel = 4
    @Option(help: "Requests that may wait for a free slot (then 503).") var queue = 64
    @Option(help: "Tokens each slot holds: prompt plus reply.") var context = 2048
    @Option(help: "Threads for the forward pass (default: 2 for a language model, 1 for a trained run's small batches).") var threads = Engine.threads
    @Option(help: "The most tokens one request may generate.") var maxTokens = 2048
    @Option(help: "The longest prompt accepted, in tokens (default: the slot's context less one).") var maxPromptTokens: Int?
    @Option(help: "Request bodies over this many bytes are refused (413).") var maxBodyBytes = 1 << 20
    @Option(help: "Seconds a request may take, queueing included; then it ends with finish_reason \"length\".") var timeout = 300.0
    @Option(help: "Seconds an idle connection is kept open.") var idleTimeout = 60.0
    @Option(help: "Seconds SIGTERM waits for running requests before cancelling them.") var drainTimeout = 30.0
    @Option(help: "Traces kept for GET /v1/traces/ID.") var tracesKept = 64
    @Option(help: "Predict server: the largest batch of requests run together.") var maxBatch = 64
    @Option(help: "Predict server: how long a request may wait for others to batch with (milliseconds).") var maxWaitMs = 2.0
    @Option(help: "Predict server: where run folders are.") var runsDir = "runs"
    @Option(help: "The run store: traced requests are recorded in it (for the dashboard); the predict server finds RUN and its evaluation in it. Default: $LOUPE_STORE, else runs/loupe.sqlite.") var store: String?
    @Flag(help: "Do not record traced requests in the run store.") var noRecord = false
    @Flag(help: "Write the access log as JSON lines.") var jsonLog = false

    func validate() throws {
        guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be in 1...64") }
        guard (0...100_000).contains(queue) else { throw ValidationError("--queue must be in 0...100000") }
        guard (16...131_072).contains(context) else { throw ValidationError("--context must be in 16...131072") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256") }
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
        for (name, value) in [("--timeout", timeout), ("--idle-timeout", idleTimeout), ("--drain-timeout", drainTimeout)] {
            guard value > 0 && value.isFinite else { throw ValidationError("\(name) must be a positive number of seconds") }
        }
        guard (1...4096).contains(maxBatch) else { throw ValidationError("--max-batch must be in 1...4096") }
        guard maxWaitMs >= 0 && maxWaitMs <= 10_000 else { throw ValidationError("--max-wait-ms must be in 0...10000") }
        if apiKey != nil && apiKeyFile != nil { throw ValidationError("give --api-key or --api-key-file, not both") }
    }

    /// Whether --threads was given (the predict server's default differs).
    var threadsSet: Bool { CommandLine.arguments.contains { $0 == "--threads" || $0.hasPrefix("--threads=") } }

    func run() throws {
        let key = try resolvedKey()
        var logger = Logger(label: "loupe.serve") { ServerLogHandler(label: $0, json: jsonLog) }
        logger.logLevel = .info
        if let runReference {
            // The engine's kernels and BLAS for the model; OpenBLAS's threads spin between the
            // small batches a predict server runs, taking CPU from the HTTP side, so 1 is the default.
            Engine.threads = threadsSet ? threads : 1
            try PredictServe(reference: runReference, host: host, port: port, apiKey: key, maxBatch: maxBatch, maxWaitMs: maxWaitMs,
                             maxBodyBytes: maxBodyBytes, idleTimeout: idleTimeout, drainTimeout: drainTimeout, logger: logger,
                             runsDir: runsDir, storePath: store ?? RunStore.defaultPath).run()
            return
        }
        var configuration = LLMServer.Configuration()
        (configuration.host, configuration.port, configuration.apiKey) = (host, port, key)
        (configuration.maxBodyBytes, configuration.maxPromptTokens, configuration.maxTokensLimit) = (maxBodyBytes, maxPromptTokens, maxTokens)
        configuration.requestTimeout = .milliseconds(Int(timeout * 1000))
        configuration.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        configuration.drainTimeout = .milliseconds(Int(drainTimeout * 1000))
        configuration.tracesKept = tracesKept
        let server: LLMServer
        do { server = try LLMServer(configuration: configuration, logger: logger) } catch { throw CommandFailure(error.description) }
        let url = try DefaultModel.resolve(model)
        let engineConfiguration = GenerationEngine.Configuration(slots: parallel, queueLimit: queue, contextLength: context, threads: threads)
        let name = url.deletingPathExtension().lastPathComponent
        let recorder = try noRecord ? nil : ServedTraceRecorder(store: RunStore(path: store ?? RunStore.defaultPath),
                                                                 folder: URL(fileURLWithPath: runsDir).appendingPathComponent("served-traces"),
                                                                 modelName: name) { [logger] in logger.warning("\($0)") }
        let traces = TraceArchive(limit: tracesKept, recorder: recorder)
        let (host, parallel) = (host, parallel)
        try Self.block {
            try await server.run(load: { metrics in
                let file = try GGUFFile(contentsOf: url)
                let model = try LlamaModel(gguf: file)
                let tokenizer = try BPETokenizer(gguf: file)
                let engine = GenerationEngine(model: model, tokenizer: tokenizer, modelName: name, configuration: engineConfiguration,
                                              metrics: metrics, traces: traces)
                return LoadedLLM(engine: engine, template: try ChatTemplate(gguf: file))
            }, onServerRunning: { port in
                let shown = host.contains(":") ? "[\(host)]" : host
                print("Loupe serving \(name) on http://\(shown):\(port)  (\(parallel) slots; GET /health is 200 once the model is loaded; Ctrl-C stops)")
                fflush(stdout)
            })
        }
    }

    func resolvedKey() throws -> String? {
        guard let apiKeyFile else { return apiKey }
        do {
            let text = try String(contentsOfFile: apiKeyFile, encoding: .utf8)
            guard let line = text.split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !line.isEmpty else {
                throw CommandFailure("\(apiKeyFile): the key file is empty; put the key on its first line")
            }
            return line
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("\(apiKeyFile): cannot read the key file (\(ErrorMessage.plain(error)))")
        }
    }

    /// Runs an async server to its end from this synchronous command.
    static func block(_ body: @escaping @Sendable () async throws -> Void) throws {
        let box = FailureBox()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { try await body() } catch { box.error = error }
            done.signal()
        }
        done.wait()
        if let error = box.error { throw (error as? ServeError).map { CommandFailure($0.description) } ?? error }
    }
}

private final class FailureBox: @unchecked Sendable {
    var error: Error?
}

/// `loupe serve RUN`: the predict server over a trained run.
struct PredictServe {
    let reference: String
    let host: String
    let port: Int
    let apiKey: String?
    let maxBatch: Int
    let maxWaitMs: Double
    let maxBodyBytes: Int
    let idleTimeout: Double
    let drainTimeout: Double
    let logger: Logger
    var runsDir = "runs"
    var storePath = RunStore.defaultPath

    func run() throws {
        let store = FileManager.default.fileExists(atPath: storePath) ? try? RunStore(path: storePath) : nil
        let (folder, _) = try Eval.folder(of: reference, runsDir: runsDir, store: store)
        let runID = folder.lastPathComponent
        let evaluation = store.flatMap { try? EvaluationStore.evaluations(ofTraining: runID, in: $0).last?.evaluation }
        let model: PredictModel
        do { model = try PredictModel(folder: folder, evaluation: evaluation) } catch { throw CommandFailure(error) }
        var configuration = PredictServer.Configuration()
        (configuration.host, configuration.port, configuration.apiKey) = (host, port, apiKey)
        (configuration.maxBatch, configuration.maxWait, configuration.maxBodyBytes) = (maxBatch, .microseconds(Int(maxWaitMs * 1000)), maxBodyBytes)
        configuration.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        configuration.drainTimeout = .milliseconds(Int(drainTimeout * 1000))
        let server: PredictServer
        do { server = try PredictServer(model: model, configuration: configuration, logger: logger) } catch { throw CommandFailure(error.description) }
        let (name, host, shape) = (model.name, host, model.preparation.sampleShape)
        try Serve.block {
            try await server.run { port in
                let shown = host.contains(":") ? "[\(host)]" : host
                print("Loupe serving run \(name) (\(folder.path), input \(shape)) on http://\(shown):\(port)  (POST /v1/predict; Ctrl-C stops)")
                fflush(stdout)
            }
        }
    }
}
