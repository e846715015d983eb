import Foundation
import LoupeCore
import LoupeGGUF
import LoupeLLM
import LoupeTrace

/// `loupe bench trace`: what recording costs. The same greedy generation is timed four ways in
/// every round, in turn, so machine noise hits them alike: plain (`generate`), default capture,
/// tracing off (`generate` again, after a traced run removed its hooks) and full capture (logit
/// lens, whole attention rows). Plain and off run the same code; their spread is the noise floor.
/// Times cover the whole call: the prompt, every token and the tracer's work after generation.
struct TraceBenchmark {
    let modelURL: URL
    let rounds: Int
    let steps: Int

    func run() throws {
        let file = try GGUFFile(contentsOf: modelURL)
        let model = try LlamaModel(gguf: file)
        let tokenizer = try BPETokenizer(gguf: file)
        let prompt = tokenizer.encode("Once upon a time, in a small village by the sea, there lived an old fisherman who", parseSpecial: false)
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = steps
        options.stopAtEndOfGeneration = false
        let generator = TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer)
        let modes: [(name: String, work: () throws -> Void)] = [
            ("plain", { generator.context.reset(); _ = try generator.generate(prompt: prompt, options: options) }),
            ("default", { generator.context.reset(); _ = try InferenceTracer(generator: generator).trace(prompt: prompt, options: options) }),
            ("off", { generator.context.reset(); _ = try generator.generate(prompt: prompt, options: options) }),
            ("full", { generator.context.reset(); _ = try InferenceTracer(generator: generator, capture: .full).trace(prompt: prompt, options: options) }),
        ]
        var seconds: [String: [Double]] = [:]
        for round in 0...rounds {   // round 0 warms up
            for mode in modes {
                let start = DispatchTime.now().uptimeNanoseconds
                try mode.work()
                if round > 0 { seconds[mode.name, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
            }
        }
        let plain = seconds["plain"]!
        for mode in modes {
            let times = seconds[mode.name]!
            // Per-round ratios to the plain run of the same round, then their median.
            let ratios = zip(times, plain).map { $0 / $1 }.sorted()
            emitJSON(["case": "trace_overhead", "mode": mode.name, "prompt_tokens": prompt.count, "steps": steps,
                      "median_seconds": times.sorted()[times.count / 2], "median_ratio_to_plain": ratios[ratios.count / 2],
                      "max_ratio_to_plain": ratios.last!, "rounds": rounds])
        }
    }
}
