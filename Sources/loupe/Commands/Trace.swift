import ArgumentParser
import Foundation
import LoupeIO
import LoupeLLM
import LoupeTrace

/// `loupe trace "PROMPT"`: generate while recording every forward pass.
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Generate from a prompt and record every forward pass (\"cycle\"): top-k, attention, each layer's contribution.",
        discussion: """
            Cycle 0 evaluates the prompt; each later cycle evaluates one generated token. Each records \
            the chosen token with its probability and rank, the top-k and entropy of the next-token \
            distribution, the direct logit attribution of the chosen token to every attention and MLP output, and per layer the residual-stream norm, the attention and MLP output norms \
            (each layer's contribution), every head's most-attended positions and entropy, and the \
            layer's wall time. --logit-lens adds each layer's top tokens read through the final norm \
            and head. The JSON form is documented in docs/TRACE.md.

            Examples:
              loupe trace "The capital of France is" --steps 4
              loupe trace "Once upon a time" --steps 16 --logit-lens --json trace.json
            """
    )

    @Argument(help: "The prompt (raw text; special tokens recognised).") var prompt: String
    @Option(help: "Tokens to generate (cycles after the prompt's).") var steps = 8
    @Option(help: "Write the whole trace as JSON to this file.") var json: String?
    @Flag(help: "Record the logit lens for every layer (one head-sized product per layer per cycle).") var logitLens = false
    @Option(help: "Top tokens recorded per cycle.") var topK = 10
    @Option(help: "Softmax temperature; 0 = greedy.") var temperature = 0.0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "A GGUF model (default: the fetched SmolLM2-135M-Instruct).") var model: String?

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard topK >= 1 else { throw ValidationError("--top-k must be at least 1") }
        guard temperature >= 0 else { throw ValidationError("--temperature must be 0 (greedy) or positive") }
    }

    func run() throws {
        let loaded = try LoadedModel(path: model)
        let ids = loaded.tokenizer.encode(prompt, parseSpecial: true)
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty") }
        var capture = TraceCapture()
        capture.logitLens = logitLens
        capture.topK = topK
        var options = GenerationOptions()
        options.maxTokens = steps
        options.sampling = temperature == 0 ? .greedy : SamplingOptions()
        options.sampling.temperature = temperature
        options.sampling.seed = seed
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: loaded.model), tokenizer: loaded.tokenizer), capture: capture)
        let trace = try tracer.trace(prompt: ids, options: options, modelName: loaded.model.file.name)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = try encoder.encode(trace)
            let url = URL(fileURLWithPath: json)
            try data.write(to: url, options: .atomic)
            Terminal.status("wrote \(trace.cycles.count) cycles to \(url.path) (\(data.count / 1024) KB)")
        }
        for cycle in trace.cycles {
            let chosen = cycle.chosen.map { "\($0.text) p=\(String(format: "%.2f", $0.probability)) rank \(cycle.chosenRank ?? 0)" } ?? "-"
            print(Terminal.bold("cycle \(cycle.index)") + "  in \(cycle.inputTokens.count) token(s) at \(cycle.positions.first ?? 0)…  → \(chosen)  "
                  + String(format: "H=%.2f nats  %.1f ms  KV %d", cycle.entropy, cycle.milliseconds, cycle.kvCacheTokens))
            print("  top: " + cycle.top.prefix(5).map { "\($0.text) \(String(format: "%.2f", $0.probability))" }.joined(separator: " | "))
            // The layers that wrote most into the residual stream this cycle.
            let loudest = cycle.layers.sorted { $0.attentionNorm + $0.mlpNorm > $1.attentionNorm + $1.mlpNorm }.prefix(3)
            print("  largest contributions: " + loudest.map { String(format: "L%d attn %.1f mlp %.1f", $0.layer, $0.attentionNorm, $0.mlpNorm) }.joined(separator: ", "))
            if let a = cycle.attribution {
                print("  logit \(String(format: "%.2f", a.logit)) of the chosen token from: "
                      + a.components.prefix(4).map { "\($0.component) \(String(format: "%+.2f", $0.value))" }.joined(separator: ", ")
                      + String(format: " … (remainder %+.3f)", a.remainder))
            }
            if logitLens {
                let lens = cycle.layers.filter { $0.layer % 5 == 4 || $0.layer == cycle.layers.count - 1 }
                print("  logit lens: " + lens.map { "L\($0.layer) \($0.logitLens?.first?.text ?? "?")" }.joined(separator: "  "))
            }
        }
    }
}
