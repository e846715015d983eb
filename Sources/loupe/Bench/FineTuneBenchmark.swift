import Foundation
import LoupeCore
import LoupeFineTune
import LoupeGGUF
import LoupeLLM
import LoupeNN
import LoupeTrain

/// `loupe bench finetune`: a LoRA step's time and peak memory on the real model.
struct FineTuneBenchmark {
    let modelURL: URL
    let lengths: [Int]
    let steps: Int
    let rank: Int
    /// Activation checkpointing (each block recomputed in the backward pass).
    let checkpointing: Bool

    func run() throws {
        let file = try GGUFFile(contentsOf: modelURL)
        let tokenizer = try BPETokenizer(gguf: file)
        let network = try LlamaNetwork(gguf: file, lora: LlamaLoRA(rank: rank, alpha: Double(2 * rank), targets: Set(LlamaProjection.allCases), seed: 1))
        network.checkpointsBlocks = checkpointing
        let trainer = Trainer(model: network, optimizer: try Adam(network.parameters(), lr: 1e-4), loss: .crossEntropy)
        trainer.ignoreIndex = -100
        trainer.gradientClip = 1
        let text = String(repeating: "To be, or not to be, that is the question: whether 'tis nobler in the mind to suffer "
                          + "the slings and arrows of outrageous fortune, or to take arms against a sea of troubles. ", count: 40)
        for length in lengths {
            guard let example = try CausalLMData.text(text, tokenizer: tokenizer, length: length).first(where: { $0.tokens.count == length }) else {
                throw FineTuneError("the benchmark text is shorter than \(length) tokens")
            }
            let inputs = try Tensor(indices: example.inputs).reshaped([1, length - 1])
            let targets = try Tensor(indices: example.labels()).reshaped([1, length - 1])
            try trainer.trainStep(inputs, targets)   // warm-up
            ProcessUsage.resetPeak()
            var seconds: [Double] = []
            for _ in 0..<steps {
                let start = DispatchTime.now().uptimeNanoseconds
                try trainer.trainStep(inputs, targets)
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            emitJSON(["case": "lora_step", "tokens": length, "rank": rank, "checkpointing": checkpointing, "threads": Engine.threads,
                      "trainable_parameters": network.parameters().reduce(0) { $0 + $1.value.count },
                      "s_per_step": seconds.sorted()[seconds.count / 2],
                      "peak_rss_mib": Double(ProcessUsage.peakResidentBytes ?? 0) / 1_048_576])
        }
    }
}
