import ArgumentParser
import Foundation
import LoupeCore
import LoupeData
import LoupeEval
import LoupeGGUF
import LoupeLLM
import LoupeReport

/// `loupe quantize`: a GGUF language model's weights to Q8_0, Q4_0 or Q4_1, and what it cost.
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a GGUF language model (q8_0, q4_0, q4_1) and measure what it saved and lost.",
        discussion: """
            Every 2-D weight matrix becomes --type, by ggml's reference quantizers (the blocks are \
            bit-identical to llama-quantize's and gguf-py's); norms and biases are copied; metadata, \
            tensor order and alignment are kept. A tensor already of --type is copied, not \
            requantized. --keep output leaves the output projection at the source's precision \
            (with tied embeddings, that is token_embd.weight), as llama-quantize's \
            --leave-output-tensor does; --keep embeddings leaves the token embeddings.

            Then both models are measured on the same text (default: the built-in Shakespeare): \
            size, bits per weight, generation tokens/s, perplexity over --chunks chunks of \
            --context tokens, and the KL divergence of the quantized model's next-token \
            distributions from the source's (loupe eval-lm --base's figures). --no-report skips it.

            The input is only read; the output is written atomically.

            Examples:
              loupe quantize model.f16.gguf model.q8_0.gguf --type q8_0
              loupe quantize model.f16.gguf model.q4_0.gguf --type q4_0 --keep output --chunks 8
            """
    )

    @Argument(help: ArgumentHelp("The GGUF model to quantize.", valueName: "in.gguf")) var input: String
    @Argument(help: ArgumentHelp("Where to write the quantized model.", valueName: "out.gguf")) var output: String
    @Option(help: ArgumentHelp("The weights' type: q8_0, q4_0 or q4_1.", valueName: "type")) var type: String
    @Option(help: ArgumentHelp("Keep a tensor at the source's precision: output or embeddings (repeatable).", valueName: "tensor"))
    var keep: [String] = []
    @Flag(help: "Only quantize: skip the size, speed, perplexity and KLD table.") var noReport = false
    @Option(help: ArgumentHelp("The text perplexity and KLD are measured on (default: the built-in Shakespeare).", valueName: "file")) var text: String?
    @Option(help: "Tokens per chunk.") var context = 512
    @Option(help: "Chunks of text to read.") var chunks = 4
    @Flag(help: "Skip the speed measurement.") var noSpeed = false
    @Option(help: "Threads (default 2).") var threads = Engine.threads
    @Flag(help: "Print one JSON object (the quantization and the table).") var json = false

    func validate() throws {
        guard context >= 2 else { throw ValidationError("--context must be at least 2 tokens") }
        guard chunks >= 1 else { throw ValidationError("--chunks must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        for k in keep where GGUFQuantization.Keep(rawValue: k) == nil {
            throw ValidationError("--keep \(k): choose output or embeddings")
        }
        _ = try Self.parseType(type)
    }

    static func parseType(_ name: String) throws -> GGMLType {
        guard let t = GGMLType.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw ValidationError("--type \(name) is not a GGML type; Loupe writes q8_0, q4_0 and q4_1")
        }
        guard GGMLQuantizer.writable.contains(t) else {
            throw ValidationError("--type \(name): Loupe cannot write \(t.name); it writes q8_0, q4_0 and q4_1")
        }
        return t
    }

    struct Output: Encodable {
        let input: String, output: String, type: String
        let quantizedTensors: Int, tensors: Int, inputBytes: Int, outputBytes: Int, bitsPerWeight: Double, seconds: Double
        let report: QuantizationReport?
    }

    func run() throws {
        Engine.threads = threads
        let job = try GGUFQuantization(type: try Self.parseType(type), keep: Set(keep.compactMap(GGUFQuantization.Keep.init)))
        let inputURL = URL(fileURLWithPath: input), outputURL = URL(fileURLWithPath: output)
        let bar = TerminalProgress(label: "quantizing", isTerminal: Terminal.isTTY && !json)
        let clock = ContinuousClock(), start = clock.now
        let result: GGUFQuantization.Result
        do {
            result = try job.run(input: inputURL, output: outputURL) { bar.update($0, of: $1) }
        } catch { bar.finish(); throw CommandFailure(error) }
        bar.finish()
        let elapsed = (clock.now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        if !json {
            print("Wrote \(output): \(job.type.name), \(result.quantized) of \(result.tensors.count) tensors quantized, "
                  + "\(Self.megabytes(result.inputBytes)) → \(Self.megabytes(result.outputBytes)), "
                  + String(format: "%.2f bits per weight (%.1f s)", result.bitsPerWeight, seconds))
            let requantized = result.tensors.filter { $0.action == .quantize && ![.f32, .f16, .bf16].contains($0.source) }
            if let first = requantized.first {
                let count = requantized.count == 1 ? "1 tensor was" : "\(requantized.count) tensors were"
                print(Terminal.yellow("note: ") + "\(count) already quantized (\(first.name) is \(first.source.name)); "
                      + "requantizing adds the new rounding to the old. Quantize from an F16 or F32 model for the best result.")
            }
        }
        var report: QuantizationReport?
        if !noReport {
            report = try measure(inputURL, outputURL)
        }
        if json {
            let out = Output(input: input, output: output, type: job.type.name, quantizedTensors: result.quantized, tensors: result.tensors.count,
                             inputBytes: result.inputBytes, outputBytes: result.outputBytes, bitsPerWeight: result.bitsPerWeight,
                             seconds: seconds, report: report)
            print(String(decoding: try LoupeJSON.encoder().encode(out), as: UTF8.self))
        } else if let report {
            print()
            print(Self.table(report))
            print(Terminal.dim("perplexity and KLD over \(report.scoredTokens) tokens of \(report.text) (\(chunks) chunks of \(context)); KLD against \(report.rows[0].name)"))
        }
    }

    private func measure(_ inputURL: URL, _ outputURL: URL) throws -> QuantizationReport {
        func load(_ url: URL) throws -> QuantizationReport.Model {
            do {
                let file = try GGUFFile(contentsOf: url)
                return .init(name: url.lastPathComponent, file: file, model: try LlamaModel(gguf: file), tokenizer: try BPETokenizer(gguf: file))
            } catch { throw CommandFailure(error) }
        }
        let source = try load(inputURL), quantized = try load(outputURL)
        let textPath = try text ?? BuiltinDatasets.shakespearePath()
        let content = try EvalLM.readText(textPath)
        let bar = TerminalProgress(label: "measuring", isTerminal: Terminal.isTTY && !json)
        defer { bar.finish() }
        do {
            return try QuantizationReport.measure(source: source, quantized: quantized, text: content, textName: text ?? "the built-in Shakespeare",
                                                  context: context, maxWindows: chunks, speed: !noSpeed, threads: threads) { phase, done, total in
                bar.update(done, of: total, detail: phase)
            }
        } catch let error as EvalError { throw CommandFailure("\(textPath): \(error)") }
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }

    /// llama.cpp's README layout: one row per model.
    static func table(_ report: QuantizationReport) -> String {
        func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "—" }
        var rows = [["model", "type", "size", "bpw", "tokens/s", "perplexity", "mean KLD", "KLD 99%", "same top"]]
        for r in report.rows {
            rows.append([r.name, r.type, megabytes(r.bytes), f(r.bitsPerWeight, "%.2f"), f(r.generationTokensPerSecond, "%.1f"),
                         f(r.perplexity, "%.3f"), f(r.meanKLD, "%.5f"), f(r.kld99, "%.4f"), f(r.sameTopToken.map { $0 * 100 }, "%.1f%%")])
        }
        return TextTable.render(rows)
    }
}
