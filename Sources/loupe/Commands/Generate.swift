import ArgumentParser
import Foundation
import LoupeCore
import LoupeLLM
import LoupeReport

/// The sampling flags `generate` and `chat` share.
struct SamplingFlags: ParsableArguments {
    @Option(help: "Most tokens to generate.") var maxTokens = 128
    @Option(help: "Softmax temperature; 0 = greedy (always the most likely token).") var temperature = 0.8
    @Option(help: "Sample among the k most likely tokens (0 = all).") var topK = 40
    @Option(help: "Sample among the most likely tokens whose probabilities add up to p (1 = all).") var topP = 0.95
    @Option(help: "Drop tokens below min-p × the top token's probability (0 = off).") var minP = 0.05
    @Option(help: "Penalise the last 64 tokens' logits by this factor (1 = off).") var repeatPenalty = 1.0
    @Option(help: "Random seed (default: a new one each run, printed with --json).") var seed: UInt64?
    @Option(name: .customLong("stop"), help: "Stop when the text contains this string (repeatable).") var stopStrings: [String] = []
    @Option(help: "A GGUF model (default: the fetched SmolLM2-135M-Instruct).") var model: String?
    @Option(help: "Threads (default 2).") var threads = Engine.threads

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be 0 (greedy) or a finite positive number") }
        guard topK >= 0 else { throw ValidationError("--top-k must be 0 (off) or positive") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard minP >= 0, minP < 1 else { throw ValidationError("--min-p must be in [0, 1)") }
        guard repeatPenalty > 0, repeatPenalty.isFinite else { throw ValidationError("--repeat-penalty must be a finite positive number") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be in 1...256") }
    }

    func options(seed chosen: UInt64) -> GenerationOptions {
        var o = GenerationOptions()
        o.maxTokens = maxTokens
        o.sampling.temperature = temperature
        o.sampling.topK = topK
        o.sampling.topP = topP
        o.sampling.minP = minP
        o.sampling.repetitionPenalty = repeatPenalty
        o.sampling.seed = chosen
        o.stopStrings = stopStrings
        return o
    }
}

/// `loupe generate "PROMPT"`: continue a raw-text prompt.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue a prompt with a GGUF language model (SmolLM2-135M-Instruct by default), streaming the text.",
        discussion: """
            The prompt is raw text: special tokens written in it, such as <|im_start|>, are \
            recognised (for a chat, `loupe chat` applies the model's template for you). \
            Generation stops at the model's end-of-generation token, a --stop string or \
            --max-tokens. Timings go to standard error.

            Examples:
              loupe generate "The capital of France is" --temperature 0 --max-tokens 16
              loupe generate "Once upon a time" --seed 7 --top-p 0.9
              loupe generate "$(printf '<|im_start|>user\\nHi!<|im_end|>\\n<|im_start|>assistant\\n')" --json
            """
    )

    @Argument(help: "The prompt (raw text), or - for standard input.") var prompt: String
    @OptionGroup var sampling: SamplingFlags
    @Option(help: "With --json, also record the top N alternatives per token.") var topLogprobs = 0
    @Flag(help: "Print one JSON object: prompt ids, generated ids, text, per-token log-probabilities, timings.") var json = false

    func run() throws {
        let text = prompt == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : prompt
        let loaded = try LoadedModel(path: sampling.model)
        let ids = loaded.tokenizer.encode(text, parseSpecial: true)
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty: give some text to continue") }
        let seed = sampling.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        var options = sampling.options(seed: seed)
        options.topLogprobs = topLogprobs
        let generator = TextGenerator(context: LlamaContext(model: loaded.model, threads: sampling.threads), tokenizer: loaded.tokenizer)
        let result = try generator.generate(prompt: ids, options: options) { token in
            if !json { Terminal.stream(token.text) }
            return true
        }
        if json {
            let object: [String: Any] = [
                "prompt_ids": ids, "ids": result.tokens.map(\.id), "text": result.text,
                "pieces": result.tokens.map { String(decoding: loaded.tokenizer.bytes(of: $0.id), as: UTF8.self) },
                "logprobs": result.tokens.map(\.logprob),
                "top_logprobs": result.tokens.map { $0.top.map { ["id": $0.id, "logprob": $0.logprob] as [String: Any] } },
                "stop": result.stopReason.rawValue, "seed": seed,
                "timings": ["prompt_tokens_per_s": Double(ids.count) / max(result.promptSeconds, 1e-9),
                            "generation_tokens_per_s": result.tokensPerSecond],
            ]
            let data = try LoupeJSON.data(object)
            print(String(decoding: data, as: UTF8.self))
        } else {
            Terminal.stream("\n")
            Terminal.status(String(format: "[%d prompt tokens at %.0f tok/s, %d generated at %.1f tok/s, stop: %@]",
                ids.count, Double(ids.count) / max(result.promptSeconds, 1e-9), result.tokens.count, result.tokensPerSecond, result.stopReason.rawValue as NSString))
        }
    }
}
