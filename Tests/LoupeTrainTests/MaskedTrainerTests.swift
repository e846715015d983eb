import Foundation
import LoupeCore
import LoupeData
import LoupeLLM
import LoupeNN
import Testing
@testable import LoupeTrain

/// The trainer with a loss mask (``Trainer/ignoreIndex``) on a tiny Llama with LoRA adapters: the
/// supervised loss falls, only the adapters change, the same seed gives the same numbers, the
/// evaluation averages over supervised tokens only, an empty mask is refused.
struct MaskedTrainerTests {
    static let config = try! LlamaConfig(layers: 2, dim: 8, heads: 2, kvHeads: 1, ffn: 12, vocabulary: 11)

    static func network(seed: UInt64) throws -> LlamaNetwork {
        var rng = RandomGenerator(seed: 61)
        let c = config, kv = c.headDim * c.kvHeads
        var w: [String: Tensor] = ["token_embd.weight": try Tensor.normal([c.vocabulary, c.dim], using: &rng),
                                   "output_norm.weight": Tensor.ones([c.dim])]
        for i in 0..<c.layers {
            for (name, shape) in [("attn_q", [c.dim, c.dim]), ("attn_k", [kv, c.dim]), ("attn_v", [kv, c.dim]), ("attn_output", [c.dim, c.dim]),
                                  ("ffn_gate", [c.ffn, c.dim]), ("ffn_up", [c.ffn, c.dim]), ("ffn_down", [c.dim, c.ffn])] {
                w["blk.\(i).\(name).weight"] = try Tensor.normal(shape, std: 0.4, using: &rng)
            }
            w["blk.\(i).attn_norm.weight"] = Tensor.ones([c.dim])
            w["blk.\(i).ffn_norm.weight"] = Tensor.ones([c.dim])
        }
        return try LlamaNetwork(config: config, weight: { w[$0] }, lora: LlamaLoRA(rank: 2, alpha: 8, targets: [.q, .v, .down], seed: seed))
    }

    /// Two rows, the second padded; −100 outside the mask.
    static let inputs = try! Tensor(indices: [1, 4, 9, 2, 7, 3, 5, 8, -1, -1]).reshaped([2, 5])
    static let targets = try! Tensor(indices: [-100, -100, 2, 7, 3, -100, 8, 6, -100, -100]).reshaped([2, 5])

    static func trainer(seed: UInt64 = 3) throws -> Trainer {
        let net = try network(seed: seed)
        let trainer = Trainer(model: net, optimizer: try Adam(net.parameters(), lr: 0.05), loss: .crossEntropy)
        trainer.ignoreIndex = -100
        trainer.gradientClip = 1
        return trainer
    }

    @Test func theSupervisedLossFallsAndOnlyAdaptersChange() throws {
        let trainer = try Self.trainer()
        let data = try TensorDataset(inputs: Self.inputs, targets: Self.targets)
        let before = try #require(trainer.evaluate(data)["loss"])
        let net = try #require(trainer.model as? LlamaNetwork)
        let frozen = try net.mergedWeights()["token_embd.weight"]!.floats()
        for _ in 0..<30 { try trainer.trainStep(Self.inputs, Self.targets) }
        let after = try #require(trainer.evaluate(data)["loss"])
        #expect(after < before * 0.5, "loss \(before) → \(after)")
        #expect(try net.mergedWeights()["token_embd.weight"]!.floats() == frozen)
    }

    @Test func evaluationAveragesOverSupervisedTokensOnly() throws {
        let trainer = try Self.trainer()
        let metrics = try trainer.evaluate(TensorDataset(inputs: Self.inputs, targets: Self.targets))
        // By hand: −log p of each of the 5 supervised tokens, averaged.
        let logits = try trainer.model(Self.inputs).logSoftmax(axis: -1).floats(), v = Self.config.vocabulary
        let labels = Self.targets.ints()
        let kept = labels.indices.filter { labels[$0] != -100 }
        let expected = kept.map { -Double(logits[$0 * v + labels[$0]]) }.reduce(0, +) / Double(kept.count)
        #expect(abs(metrics["loss"]! - expected) < 1e-5)
        #expect(abs(metrics["perplexity"]! - exp(expected)) < 1e-4)
    }

    @Test func theSameSeedGivesTheSameNumbersAndAnEmptyMaskIsRefused() throws {
        let a = try Self.trainer(seed: 9), b = try Self.trainer(seed: 9)
        let la = try (0..<4).map { _ in try a.trainStep(Self.inputs, Self.targets) }, lb = try (0..<4).map { _ in try b.trainStep(Self.inputs, Self.targets) }
        #expect(la == lb)
        #expect(throws: TensorError.self) { try a.trainStep(Self.inputs, Tensor(indices: Array(repeating: -100, count: 10)).reshaped([2, 5])) }
    }
}
