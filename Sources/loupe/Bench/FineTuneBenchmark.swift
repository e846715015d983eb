import Foundation
import LoupeCore
import LoupeFineTune
import LoupeGGUF
import LoupeLLM

/// `loupe bench finetune`: a LoRA step's time and peak memory on the real model.
struct FineTuneBenchmark {
    let modelURL: URL
    let lengths: [Int]
    let steps: Int
    let rank: Int

    func run() throws {
        let file = try GGUFFile(contentsOf: modelURL)
        let tokenizer = try BPETokenizer(gguf: file)
        let network = try LlamaNetwork(gguf: file, lora: LlamaLoRA(rank: rank, alpha: Double(2 * rank), targets: Set(LlamaProjection.allCases), seed: 1))
        let trainer = try LoRATrainer(network: network, lr: 1e-4)
        let text = String(repeating: "To be, or not to be, that is the question: whether 'tis nobler in the mind to suffer "
                          + "the slings and arrows of outrageous fortune, or to take arms against a sea of troubles. ", count: 40)
        for length in lengths {
            guard let example = try CausalLMData.text(text, tokenizer: tokenizer, length: length).first(where: { $0.tokens.count == length }) else {
                throw FineTuneError("the benchmark text is shorter than \(length) tokens")
            }
            try trainer.step(example)   // warm-up
            ProcessUsage.resetPeak()
            var seconds: [Double] = []
            for _ in 0..<steps {
                let start = DispatchTime.now().uptimeNanoseconds
                try trainer.step(example)
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            emitJSON(["case": "lora_step", "tokens": length, "rank": rank, "threads": Engine.threads,
                      "trainable_parameters": network.parameters().reduce(0) { $0 + $1.value.count },
                      "s_per_step": seconds.sorted()[seconds.count / 2],
                      "peak_rss_mib": Double(ProcessUsage.peakResidentBytes ?? 0) / 1_048_576])
        }
    }
}
