import ArgumentParser
import Foundation
import LoupeCore
import LoupeData
import LoupeEval
import LoupeGGUF
import LoupeLLM
import LoupeReport
import LoupeStore

/// `loupe eval-lm`: a language model's perplexity, its distance from a base model, its
/// multiple-choice accuracy and its speed and cost.
struct EvalLM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-lm",
        abstract: "Evaluate a language model: perplexity and bits per byte, KL divergence from a base model, multiple-choice accuracy, speed and cost.",
        discussion: """
            Perplexity of a text (default: the built-in Shakespeare), by llama.cpp's method \
            (`llama-perplexity`: chunks of --context tokens, each read from an empty context, the \
            second half of each scored; the figure matches llama.cpp's) and, with --stride, by a \
            sliding window (every token scored once with up to context − stride tokens before it). \
            --chunks caps how many chunks are read (llama.cpp's --chunks).

            --base MODEL compares the model with the model it came from (a quantized or \
            fine-tuned copy against its original): KL divergence per token (mean, percentiles, \
            max), how often both pick the same top token, Δp — `llama-perplexity \
            --kl-divergence`'s figures.

            --task FILE scores a multiple-choice task (JSONL: {"context", "choices", "gold"}) by \
            log-likelihood: acc and acc_norm as lm-evaluation-harness defines them. \
            examples/tasks/everyday-sense.jsonl is a small one to try.

            Speed: prompt and generation tokens/s, time to first token, and US$ per million \
            tokens at --price per core-hour. --require gates on any figure (perplexity, \
            bits_per_byte, mean_kld, same_top_token, acc, acc_norm, generation_tokens_per_s, \
            ttft_ms, usd_per_million_generated_tokens, …) with exit status 1.

            Examples:
              loupe eval-lm --context 512 --chunks 20
              loupe eval-lm --text wiki.test.raw --context 512 --stride 256
              loupe eval-lm --model fine-tuned.gguf --base SmolLM2-135M-Instruct.Q4_1.gguf --chunks 8
              loupe eval-lm --task examples/tasks/everyday-sense.jsonl --no-perplexity --require "acc_norm >= 0.5"
            """
    )

    @Option(help: "A GGUF model (default: the fetched SmolLM2-135M-Instruct).") var model: String?
    @Option(help: ArgumentHelp("The text to score (default: the built-in Shakespeare).", valueName: "file")) var text: String?
    @Option(help: "Tokens per window.") var context = 512
    @Option(help: "Read at most this many chunks (default: all the text holds).") var chunks: Int?
    @Option(help: "Also score by a sliding window with this stride (tokens).") var stride: Int?
    @Flag(help: "Skip perplexity (score only --task, say).") var noPerplexity = false
    @Option(help: ArgumentHelp("A base model to measure the KL divergence from.", valueName: "gguf")) var base: String?
    @Option(help: ArgumentHelp("A multiple-choice task, JSONL.", valueName: "file")) var task: String?
    @Flag(help: "Skip the speed measurement.") var noSpeed = false
    @Option(help: ArgumentHelp("US$ per CPU core-hour (default \(Pricing.defaultUSDPerCoreHour)).", valueName: "usd")) var price = Pricing.defaultUSDPerCoreHour
    @Option(name: .customLong("require"), help: ArgumentHelp("A requirement, e.g. \"perplexity <= 40\" (repeatable).", valueName: "line"))
    var requirements: [String] = []
    @Option(help: "Threads (default 2).") var threads = Engine.threads
    @Option(help: ArgumentHelp("Write the HTML report here (default: runs/eval-lm-<model>.html).", valueName: "path")) var html: String?
    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print one JSON object with every figure.") var json = false

    func validate() throws {
        guard context >= 2 else { throw ValidationError("--context must be at least 2 tokens") }
        if let chunks, chunks < 1 { throw ValidationError("--chunks must be at least 1") }
        if let stride, !(1...context).contains(stride) { throw ValidationError("--stride must be 1...--context (\(context))") }
        guard price.isFinite && price >= 0 else { throw ValidationError("--price must be a number ≥ 0 (US$ per core-hour)") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if noPerplexity && task == nil && base == nil && noSpeed { throw ValidationError("nothing to measure: --no-perplexity and --no-speed without --task or --base") }
    }

    func run() throws {
        let parsed: [Requirement]
        do { parsed = try requirements.map { line throws(RequirementError) in try Requirement(line) } } catch {
            throw ValidationError("\(error)")
        }
        Engine.threads = threads
        let loaded = try LoadedModel(path: model)
        let modelURL: URL
        do { modelURL = try DefaultModel.resolve(model) } catch { throw CommandFailure(error) }
        let modelName = modelURL.deletingPathExtension().lastPathComponent
        let scorer = LlamaScorer(model: loaded.model, tokenizer: loaded.tokenizer, contextLength: max(context, 1))
        let textPath = try text ?? BuiltinDatasets.shakespearePath()
        let needsText = !noPerplexity || base != nil || !noSpeed
        let content = needsText ? try Self.readText(textPath) : ""
        var details = LanguageModelDetails()
        var figures: [String: Double] = [:]
        var scored = 0
        do {
            if !noPerplexity {
                let p = try withProgress("perplexity") { progress in
                    try Perplexity.evaluate(content, scorer: scorer, method: .chunks(context: context), maxWindows: chunks, progress: progress)
                }
                details.perplexity = p
                (figures["perplexity"], figures["bits_per_byte"], figures["perplexity_uncertainty"]) = (p.perplexity, p.bitsPerByte, p.perplexityUncertainty)
                scored = p.scoredTokens
                if let stride {
                    let s = try withProgress("sliding window") { progress in
                        try Perplexity.evaluate(content, scorer: scorer, method: .slidingWindow(context: context, stride: stride), maxWindows: nil, progress: progress)
                    }
                    details.slidingWindow = s
                    (figures["sliding_perplexity"], figures["sliding_bits_per_byte"]) = (s.perplexity, s.bitsPerByte)
                }
            }
            if let base {
                let baseLoaded = try LoadedModel(path: base)
                let baseScorer = LlamaScorer(model: baseLoaded.model, tokenizer: baseLoaded.tokenizer, contextLength: context)
                let k = try withProgress("KL divergence") { progress in
                    try KLDivergence.compare(content, model: scorer, base: baseScorer, context: context, maxWindows: chunks, progress: progress)
                }
                details.klDivergence = k
                figures["mean_kld"] = k.meanKLD
                figures["kld_99"] = k.kldPercentiles["99%"]
                figures["max_kld"] = k.kldPercentiles["max"]
                figures["same_top_token"] = k.sameTopToken
                figures["rms_delta_p"] = k.rmsDeltaP
                figures["ppl_ratio"] = Foundation.exp(k.logPerplexityRatio)
                scored = max(scored, k.scoredTokens)
            }
            if let task {
                let items = try MultipleChoice.readTask(URL(fileURLWithPath: task))
                let mc = try withProgress("multiple choice") { progress in try MultipleChoice.evaluate(items, scorer: scorer, progress: progress) }
                details.multipleChoice = mc
                details.multipleChoiceTask = task
                (figures["acc"], figures["acc_norm"]) = (mc.accuracy, mc.normalizedAccuracy)
                if scored == 0 { scored = mc.items.count }
            }
            if !noSpeed {
                if !json && Terminal.isTTY { Terminal.status("  timing prompt and generation…") }
                let tokens = (scorer.beginningOfSequence.map { [$0] } ?? []) + scorer.tokenize(String(content.prefix(4000)))
                let speed = try LanguageModelSpeed.measure(model: loaded.model, tokens: tokens, promptLength: min(128, tokens.count),
                                                           threads: threads, pricing: Pricing(usdPerCoreHour: price))
                details.speed = speed
                figures.merge(speed.figures) { a, _ in a }
            }
        } catch let error as EvalError {
            throw CommandFailure("\(textPath): \(error)")
        }
        var evaluation = Evaluation(task: .languageModel, model: modelName, source: modelURL.path, data: needsText ? (text ?? "the built-in Shakespeare") : (task ?? ""),
                                    examples: scored, figures: figures, languageModel: details, seed: 0)
        let verdict: Verdict
        do { verdict = try Verdict(parsed, figures: figures) } catch { throw CommandFailure("\(error)") }
        if !parsed.isEmpty { evaluation.verdict = verdict }
        let reportURL = URL(fileURLWithPath: html ?? "runs/eval-lm-\(modelName).html")
        try FileManager.default.createDirectory(at: reportURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(EvaluationReport(evaluation).page.html.utf8), to: reportURL)
        let evalID = try storeOptions.recordingStore().map { try EvaluationStore.record(evaluation, in: $0, command: StoreOptions.commandLine, report: reportURL) }
        if json {
            print(String(decoding: try LoupeJSON.encoder().encode(evaluation), as: UTF8.self))
        } else {
            print(EvaluationText(evaluation, style: Terminal.style).text)
            print(Terminal.dim("Report: \(reportURL.path)") + (evalID.map { Terminal.dim("   evaluation \($0) in \(storeOptions.path)") } ?? ""))
        }
        if !verdict.passed { throw ExitCode(1) }
    }

    /// Runs `body` with a progress line (bar and ETA) on a terminal.
    private func withProgress<T>(_ label: String, _ body: ((Int, Int) -> Void) throws -> T) throws -> T {
        let bar = TerminalProgress(label: label, isTerminal: Terminal.isTTY && !json)
        defer { bar.finish() }
        return try body { done, total in bar.update(done, of: total) }
    }

    /// The text of `path`, as llama.cpp reads a perplexity file (one trailing newline dropped);
    /// refused when it is not UTF-8 or too large to tokenize in this machine's memory.
    static func readText(_ path: String) throws -> String {
        let data: Data
        do { data = try InputFile.read(path) } catch { throw CommandFailure(error) }
        // The tokens (8 bytes each, about one per 3 bytes of text) and the text's copies.
        do { try SizePolicy.check(bytes: SizePolicy.product([data.count, 6]), for: "the text \(path)") } catch { throw CommandFailure(error) }
        guard var text = String(data: data, encoding: .utf8) else { throw CommandFailure("\(path): not UTF-8 text") }
        guard !text.isEmpty else { throw CommandFailure("\(path): the text is empty; give a text to score") }
        if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
