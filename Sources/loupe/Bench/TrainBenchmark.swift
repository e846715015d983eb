import Foundation
import LoupeCore
import LoupeNN
import LoupeTrain

/// `loupe bench train`: milliseconds per training step (forward, loss, backward, optimizer step)
/// of the five reference workloads, on random data of the right shape.
struct TrainBenchmark {
    struct Workload {
        let name: String, file: String
        /// One example's input shape; `tokens` inputs are int64 ids below `vocabulary`.
        let input: [Int], tokens: Int?
        let outputs: Int
        /// Labels per example: 1, or one per position for language models.
        let sequenceLabels: Bool
    }

    static let workloads = [
        Workload(name: "W1", file: "w1-mnist-mlp.toml", input: [784], tokens: nil, outputs: 10, sequenceLabels: false),
        Workload(name: "W2", file: "w2-mnist-cnn.toml", input: [1, 28, 28], tokens: nil, outputs: 10, sequenceLabels: false),
        Workload(name: "W3", file: "w3-cifar-cnn.toml", input: [3, 32, 32], tokens: nil, outputs: 10, sequenceLabels: false),
        Workload(name: "W4", file: "w4-lstm-classifier.toml", input: [32], tokens: 10000, outputs: 2, sequenceLabels: false),
        Workload(name: "W5", file: "w5-char-gpt.toml", input: [128], tokens: 65, outputs: 65, sequenceLabels: true),
    ]

    let examples: URL
    let steps: Int
    let only: Set<String>

    func run() throws {
        for threads in [2, 1] {
            Engine.threads = threads
            for w in Self.workloads where only.isEmpty || only.contains(w.name) {
                try measure(w, threads: threads)
            }
        }
    }

    func measure(_ w: Workload, threads: Int) throws {
        let (trainer, x, y) = try Self.makeTrainer(w, examples: examples)
        let seconds = try medianSeconds(minIterations: steps, minSeconds: 1) { try trainer.trainStep(x, y) }
        emitJSON(["case": "train_step", "workload": w.name, "impl": "loupe", "threads": threads,
                  "batch": x.shape[0], "parameters": trainer.model.parameterCount, "ms": seconds * 1000])
    }

    /// The workload's model and optimizer, and one batch of random data of its shape.
    static func makeTrainer(_ w: Workload, examples: URL) throws -> (Trainer, Tensor, Tensor) {
        let config = try RunConfig(contentsOf: examples.appendingPathComponent(w.file))
        var spec = config.model
        spec.input = w.input
        spec.layers = spec.layers.map { layer in
            guard case let .gpt(layers, heads, dim, block, _, dropout) = layer else { return layer }
            return .gpt(layers: layers, heads: heads, dim: dim, block: block, vocab: w.outputs, dropout: dropout)
        }
        let model = try ModelBuilder.build(spec, sampleShape: w.input, outputs: w.outputs, seed: 1)
        let run = try TrainingRun(config: config)
        let trainer = Trainer(model: model, optimizer: try run.makeOptimizer(model.parameters()),
                              loss: config.train.loss)
        let batch = config.train.batchSize
        var rng = RandomGenerator(seed: 7)
        let x: Tensor
        if let vocabulary = w.tokens {
            x = Tensor(indices: (0..<(batch * w.input.reduce(1, *))).map { _ in rng.nextInt(below: vocabulary) }, shape: [batch] + w.input)
        } else {
            x = try Tensor.normal([batch] + w.input, using: &rng)
        }
        let labelShape = w.sequenceLabels ? [batch, w.input[0]] : [batch]
        let y = Tensor(indices: (0..<labelShape.reduce(1, *)).map { _ in rng.nextInt(below: w.outputs) }, shape: labelShape)
        return (trainer, x, y)
    }
}
