import ArgumentParser
import Foundation
import LoupeCore
import LoupeGGUF
import LoupeLLM
import LoupeTrace
import LoupeReport
import LoupeStore

/// `loupe trace "PROMPT"`: generate while recording every forward pass.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Generate from a prompt and record every forward pass (\"cycle\"): top-k, attention, each layer's contribution.",
        discussion: """
            Cycle 0 evaluates the prompt; each later cycle evaluates one generated token. Each records \
            the chosen token with its probability, rank and the sampler's cut, the top-k and entropy of \
            the next-token distribution, the direct logit attribution of the chosen token to the \
            embedding, every attention and MLP output and every head, and per layer the residual-stream \
            norm, the attention and MLP output norms (each layer's contribution), every head's \
            most-attended positions and entropy, and the wall time of the layer and of each op. \
            --logit-lens adds each layer's top tokens read through the final norm and head; \
            --attention-rows whole attention rows; --full both. The JSON form is in docs/TRACE.md.

            --interactive opens a session on the trace: step through cycles, show a layer or a head's \
            attention as a heatmap over the tokens, diff two cycles, ablate a head, an MLP neuron or a \
            layer, or patch the residual stream from another prompt, and see how the top-k changes.

            Examples:
              loupe trace "The capital of France is" --steps 4
              loupe trace "Once upon a time" --steps 16 --full --html trace.html --chrome-trace trace.chrome.json
              loupe trace "The capital of France is" --target " Paris" --distractor " Berlin"
              loupe trace "The capital of France is" --steps 2 --interactive

            --compare BASE ADAPTED runs two models on the same prompt: ADAPTED (a fine-tune's merged \
            GGUF, see loupe merge) generates, BASE is forced through the same tokens, and each cycle \
            shows how much more likely ADAPTED made its token and which layers' and heads' logit \
            attributions changed most, with the layer from which the logit lens shows it in each. \
            --chat wraps the prompt in the model's chat template as a user message.
              loupe trace --compare base.gguf merged.gguf "Who founded Quillhaven?" --chat --html compare.html
            """
    )

    @Argument(help: "The prompt (raw text; special tokens recognised).") var prompt: String?
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Compare two models on the prompt: BASE ADAPTED (GGUF files).", valueName: "base adapted"))
    var compare: [String] = []
    @Flag(help: "Render the prompt through the model's chat template, as a user message awaiting the reply.") var chat = false
    @Option(help: "Tokens to generate (cycles after the prompt's).") var steps = 8
    @Option(help: "Write the whole trace as JSON to this file.") var json: String?
    @Option(help: "Write a self-contained HTML page (timeline, top-k, heatmaps, lens, attributions).") var html: String?
    @Option(help: "Write a Chrome trace (Perfetto, chrome://tracing) with one span per cycle, layer and op.") var chromeTrace: String?
    @Flag(help: "Record the logit lens for every layer (one head-sized product per layer per cycle).") var logitLens = false
    @Flag(help: "Record every head's whole attention row, not only its top positions.") var attentionRows = false
    @Flag(help: "Record everything: the logit lens and whole attention rows.") var full = false
    @Option(help: "With --distractor: also attribute logit(target) − logit(distractor), a single token each (text or #id).") var target: String?
    @Option(help: "The token the target is compared with.") var distractor: String?
    @Flag(help: "Step through the trace, ablate and patch, in a terminal session (commands: help).") var interactive = false
    @Option(help: "Top tokens recorded per cycle.") var topK = 10
    @Option(help: "Softmax temperature; 0 = greedy.") var temperature = 0.0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "A GGUF model (default: the fetched SmolLM2-135M-Instruct).") var model: String?
    @OptionGroup var storeOptions: StoreOptions

    /// The prompt, which `--compare`'s values may have taken as their third (`--compare A B "prompt"`).
    var promptText: String? { prompt ?? (compare.count == 3 ? compare[2] : nil) }

    func validate() throws {
        if !compare.isEmpty {
            guard compare.count == 2 || (compare.count == 3 && prompt == nil) else {
                throw ValidationError("--compare takes two models, BASE ADAPTED, then the prompt (got \(compare.count) values)")
            }
            guard !interactive, target == nil, chromeTrace == nil else {
                throw ValidationError("--compare goes with --steps, --chat, --html, --json and --top-k (not --interactive, --target or --chrome-trace)")
            }
        }
        guard promptText != nil else { throw ValidationError("give a prompt, e.g. loupe trace \"The capital of France is\"") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be 0 (greedy) or a finite positive number") }
        guard (target == nil) == (distractor == nil) else { throw ValidationError("--target and --distractor go together") }
    }

    func run() throws {
        let prompt = promptText ?? ""
        if !compare.isEmpty { return try runComparison(prompt: prompt) }
        let loaded = try LoadedModel(path: model)
        let ids = try promptTokens(prompt, loaded)
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty") }
        var capture = full ? TraceCapture.full : TraceCapture()
        capture.logitLens = capture.logitLens || logitLens
        capture.attentionRows = capture.attentionRows || attentionRows || interactive
        capture.topK = topK
        if let target, let distractor {
            capture.contrast = TokenPair(target: try singleToken(target, "--target", loaded.tokenizer),
                                         distractor: try singleToken(distractor, "--distractor", loaded.tokenizer))
        }
        var options = GenerationOptions()
        options.maxTokens = steps
        options.sampling = temperature == 0 ? .greedy : SamplingOptions()
        options.sampling.temperature = temperature
        options.sampling.seed = seed
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: loaded.model), tokenizer: loaded.tokenizer), capture: capture)
        let params: [String: ParamValue] = ["model": .string(loaded.model.file.name), "prompt": .string(prompt), "steps": .int(steps),
                                            "temperature": .double(temperature), "top_k": .int(topK), "logit_lens": .bool(capture.logitLens),
                                            "attention_rows": .bool(capture.attentionRows)]
        let (trace, texts) = try storeOptions.recording(name: "trace", kind: .trace, seed: seed, params: params) { recorder in
            let trace = try tracer.trace(prompt: ids, options: options, modelName: loaded.model.file.name)
            for cycle in trace.cycles {
                recorder?.scalar("cycle/ms", step: cycle.index, value: cycle.milliseconds)
                recorder?.scalar("cycle/entropy", step: cycle.index, value: cycle.entropy)
                if let chosen = cycle.chosen { recorder?.scalar("cycle/chosen_probability", step: cycle.index, value: chosen.probability) }
            }
            if let json {
                try write(LoupeJSON.encoder().encode(trace), to: json, what: "\(trace.cycles.count) cycles")
                try recorder?.artifact(role: "trace", url: URL(fileURLWithPath: json))
            }
            var texts: [Int: String] = [:]
            let named = ids + trace.cycles.compactMap { $0.chosen?.id } + [capture.contrast?.target, capture.contrast?.distractor].compactMap { $0 }
            for id in Set(named) { texts[id] = loaded.tokenizer.displayPiece(id) }
            if let html {
                try write(Data(TraceHTML.render(trace, tokenTexts: texts, title: "Loupe trace: \(prompt)").utf8), to: html, what: "the HTML trace")
                try recorder?.artifact(role: "report", url: URL(fileURLWithPath: html))
            }
            if let chromeTrace {
                let url = URL(fileURLWithPath: chromeTrace)
                let profile = tracer.chromeTrace(of: trace)
                try profile.write(to: url)
                try recorder?.artifact(role: "profile", url: url)
                Terminal.status("wrote \(profile.traceEvents.count) spans to \(url.path) (open in https://ui.perfetto.dev or chrome://tracing)")
            }
            return (trace, texts)
        }
        if interactive {
            try runSession(CycleReplayer(model: loaded.model, tokenizer: loaded.tokenizer, trace: trace))
            return
        }
        let view = TraceText(trace: trace, color: Terminal.style.usesColor, tokenizerTexts: texts)
        for cycle in trace.cycles { print(view.cycleSummary(cycle)) }
    }

    /// The prompt's tokens: raw, or with `--chat` as a user message in the model's template.
    private func promptTokens(_ prompt: String, _ loaded: LoadedModel) throws -> [Int] {
        guard chat else { return loaded.tokenizer.encode(prompt, parseSpecial: true) }
        let template: ChatTemplate
        do { template = try ChatTemplate(gguf: loaded.file) } catch { throw CommandFailure(error) }
        return template.tokens(for: [ChatMessage(role: "user", content: prompt)], tokenizer: loaded.tokenizer)
    }

    /// `--compare BASE ADAPTED`: ADAPTED generates greedily (or as sampled), BASE is forced through its tokens.
    private func runComparison(prompt: String) throws {
        let base = try LoadedModel(path: compare[0]), adapted = try LoadedModel(path: compare[1])
        guard base.tokenizer.tokens == adapted.tokenizer.tokens else {
            throw ValidationError("--compare: \(compare[0]) and \(compare[1]) have different vocabularies; compare a base with its own fine-tune")
        }
        let ids = try promptTokens(prompt, adapted)
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty") }
        var capture = TraceCapture()
        capture.logitLens = true
        capture.topK = topK
        var options = GenerationOptions()
        options.maxTokens = steps
        options.sampling = temperature == 0 ? .greedy : SamplingOptions()
        options.sampling.temperature = temperature
        options.sampling.seed = seed
        func tracer(_ loaded: LoadedModel) -> InferenceTracer {
            InferenceTracer(generator: TextGenerator(context: LlamaContext(model: loaded.model), tokenizer: loaded.tokenizer), capture: capture)
        }
        let adaptedTrace = try tracer(adapted).trace(prompt: ids, options: options, modelName: URL(fileURLWithPath: compare[1]).lastPathComponent)
        options.forcedTokens = adaptedTrace.cycles.compactMap { $0.chosen?.id }
        options.maxTokens = options.forcedTokens.count
        let baseTrace = try tracer(base).trace(prompt: ids, options: options, modelName: URL(fileURLWithPath: compare[0]).lastPathComponent)
        let comparison: TraceComparison
        do { comparison = try TraceComparison(base: baseTrace, adapted: adaptedTrace) } catch { throw CommandFailure(error) }
        if let json { try write(LoupeJSON.encoder().encode(comparison), to: json, what: "the comparison of \(comparison.cycles.count) cycles") }
        if let html {
            try write(Data(TraceComparisonHTML.render(comparison, title: "Loupe trace: \(comparison.adaptedModel) against \(comparison.baseModel)").utf8),
                      to: html, what: "the HTML comparison")
        }
        print(TraceComparisonText(comparison, color: Terminal.style.usesColor).text)
    }

    private func write(_ data: Data, to path: String, what: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
        Terminal.status("wrote \(what) to \(url.path) (\(max(1, data.count / 1024)) KB)")
    }

    /// A token given as text that encodes to exactly one token, or as `#id`.
    private func singleToken(_ text: String, _ option: String, _ tokenizer: BPETokenizer) throws -> Int {
        if text.hasPrefix("#"), let id = Int(text.dropFirst()) { return id }
        let ids = tokenizer.encode(text, parseSpecial: false)
        guard ids.count == 1 else {
            throw ValidationError("\(option) '\(text)' is \(ids.count) tokens \(ids); give text that is one token (mind the leading space, e.g. \" Paris\") or #id")
        }
        return ids[0]
    }

    /// Reads commands from standard input until `quit` or end of input; errors are shown, not fatal.
    private func runSession(_ replayer: CycleReplayer) throws {
        let session = TraceSession(replayer: replayer, color: Terminal.style.usesColor)
        let promptShown = isatty(STDIN_FILENO) == 1
        print(try session.run("show"))
        if promptShown { print(Terminal.dim("type help for commands; Enter steps to the next cycle")) }
        while !session.finished {
            if promptShown { Swift.print("trace[\(session.cycle)]> ", terminator: ""); fflush(stdout) }
            guard let line = readLine() else { break }
            if !promptShown { print("> " + line) }
            do {
                let output = try session.run(line)
                if !output.isEmpty { print(output) }
            } catch let error as TraceError {
                print(Terminal.yellow("error: ") + error.message)
            } catch {
                // Whatever one command runs into (a patch prompt longer than the context, say)
                // ends that command, not the session.
                print(Terminal.yellow("error: ") + ErrorMessage.plain(error) + " — the session goes on")
            }
        }
    }
}
