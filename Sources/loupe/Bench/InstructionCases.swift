import ArgumentParser
import Foundation
import LoupeCore
import LoupeLLM

/// The fixed, single-threaded work `make bench-check` counts instructions of under valgrind's
/// callgrind (scripts/bench/callgrind.sh): an exact number of W1 or W5 training steps, or of
/// generated tokens. Nothing here is timed: wall time on a shared machine is noise, while the
/// instruction count of the same deterministic work moves only when the code does.
enum InstructionCase: String, CaseIterable, ExpressibleByArgument {
    case w1Step = "w1-step", w5Step = "w5-step", token

    /// Runs one untimed warm-up unit (caches, lazily built tables), then `count` more.
    func run(count: Int, examples: URL, model: String?) throws {
        Engine.threads = 1
        switch self {
        case .w1Step, .w5Step:
            let name = self == .w1Step ? "W1" : "W5"
            let workload = TrainBenchmark.workloads.first { $0.name == name }!
            let (trainer, x, y) = try TrainBenchmark.makeTrainer(workload, examples: examples)
            for _ in 0...count { _ = try trainer.trainStep(x, y) }
        case .token:
            let llama = try LlamaModel(contentsOf: try DefaultModel.resolve(model))
            let context = LlamaContext(model: llama, contextLength: 512, threads: 1)
            let ids = LLMBenchmark.tokens(count + 1, vocabulary: llama.config.vocabulary, seed: 2)
            for id in ids { _ = try context.evaluate([id]) }
        }
    }
}

struct InstructionCasesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instructions",
        abstract: "Run a fixed amount of deterministic work for an instruction count (make bench-check).",
        discussion: """
            One thread, seeded data, no timing: CASE is w1-step or w5-step (training steps of \
            the reference workloads) or token (tokens generated one at a time by the default \
            model). One warm-up unit runs first. scripts/bench/callgrind.sh runs this under \
            valgrind --tool=callgrind with two --count values and takes the difference, so what \
            is counted is the cost of --count units alone, not start-up.
            """
    )

    @Argument(help: "w1-step, w5-step or token.") var kind: InstructionCase
    @Option(help: "Units of work after the warm-up.") var count = 2
    @Option(help: "The folder with the w*.toml run files.") var examples = "examples"
    @Option(help: "A GGUF model for `token` (default: the fetched SmolLM2-135M-Instruct).") var model: String?

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be 0 or more") }
    }

    func run() throws {
        try kind.run(count: count, examples: URL(fileURLWithPath: examples), model: model)
    }
}
