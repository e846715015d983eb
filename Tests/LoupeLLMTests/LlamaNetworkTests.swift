import Foundation
import LoupeCore
import LoupeLLM
import LoupeNN
import LoupeTestSupport
import Testing

/// The Llama network of engine ops with LoRA adapters, on a tiny Llama built here: the base model
/// at the start, the adapted forward equal to the merged model's, gradients by finite
/// differences, only the adapters trainable, clear errors.
struct LlamaNetworkTests {
    static let config = try! LlamaConfig(layers: 2, dim: 8, heads: 2, kvHeads: 1, ffn: 12, vocabulary: 11)

    /// Random weights by GGUF name, [out, in].
    static func weights(dtype: DType = .float32, seed: UInt64 = 61) throws -> [String: Tensor] {
        var rng = RandomGenerator(seed: seed)
        let c = config, kv = c.headDim * c.kvHeads
        var w: [String: Tensor] = ["token_embd.weight": try Tensor.normal([c.vocabulary, c.dim], dtype: dtype, using: &rng),
                                   "output_norm.weight": try Tensor.normal([c.dim], mean: 1, std: 0.1, dtype: dtype, using: &rng)]
        for i in 0..<c.layers {
            for (name, shape) in [("attn_q", [c.dim, c.dim]), ("attn_k", [kv, c.dim]), ("attn_v", [kv, c.dim]), ("attn_output", [c.dim, c.dim]),
                                  ("ffn_gate", [c.ffn, c.dim]), ("ffn_up", [c.ffn, c.dim]), ("ffn_down", [c.dim, c.ffn])] {
                w["blk.\(i).\(name).weight"] = try Tensor.normal(shape, std: 0.4, dtype: dtype, using: &rng)
            }
            w["blk.\(i).attn_norm.weight"] = try Tensor.normal([c.dim], mean: 1, std: 0.1, dtype: dtype, using: &rng)
            w["blk.\(i).ffn_norm.weight"] = try Tensor.normal([c.dim], mean: 1, std: 0.1, dtype: dtype, using: &rng)
        }
        return w
    }

    static func network(_ w: [String: Tensor], lora: LlamaLoRA? = nil) throws -> LlamaNetwork {
        try LlamaNetwork(config: config, weight: { w[$0] }, lora: lora)
    }

    static let tokens = [1, 4, 9, 2, 7, 3]
    static let everyTarget = LlamaLoRA(rank: 2, alpha: 8, targets: Set(LlamaProjection.allCases), seed: 5)

    @Test func adaptersStartAtTheBaseModel() throws {
        let w = try Self.weights()
        let base = try Self.network(w).logits(Self.tokens).floats()
        let adapted = try Self.network(w, lora: Self.everyTarget).logits(Self.tokens).floats()
        #expect(adapted == base)
    }

    @Test func theAdaptedForwardEqualsTheMergedModel() throws {
        let w = try Self.weights()
        let net = try Self.network(w, lora: Self.everyTarget)
        var rng = RandomGenerator(seed: 62)
        for block in net.blocks {
            for p in LlamaProjection.allCases {
                let adapter = try #require(block.adapter(p))
                adapter.loraB.value = try Tensor.normal(adapter.loraB.shape, std: 0.3, using: &rng)
            }
        }
        let adapted = try net.logits(Self.tokens).floats()
        let merged = try LlamaNetwork(config: Self.config, weight: { try net.mergedWeights()[$0] }).logits(Self.tokens).floats()
        let worst = zip(adapted, merged).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(worst <= 1e-5, "\(worst)")
        #expect(adapted != (try Self.network(w).logits(Self.tokens).floats()), "the adapters changed nothing")
    }

    @Test func gradientsThroughTheAdaptersPassFiniteDifferences() throws {
        let w = try Self.weights(dtype: .float64)
        let net = try LlamaNetwork(config: Self.config, weight: { w[$0] }, lora: LlamaLoRA(rank: 2, alpha: 4, targets: [.q, .v, .down], seed: 6))
        let adapters = [try #require(net.blocks[0].adapter(.q)), try #require(net.blocks[1].adapter(.down)), try #require(net.blocks[1].adapter(.v))]
        var rng = RandomGenerator(seed: 63)
        var inputs: [Tensor] = []
        for a in adapters {
            inputs.append(try Tensor.normal(a.loraA.shape, std: 0.5, dtype: .float64, using: &rng))
            inputs.append(try Tensor.normal(a.loraB.shape, std: 0.5, dtype: .float64, using: &rng))
        }
        let result = try gradcheck({ xs in
            for (i, a) in adapters.enumerated() { (a.loraA.value, a.loraB.value) = (xs[2 * i], xs[2 * i + 1]) }
            return try net.logits([3, 1, 4, 1, 5])
        }, inputs: inputs)
        #expect(result.passed, "\(result)")
    }

    @Test func onlyTheAdaptersAreTrainable() throws {
        let net = try Self.network(try Self.weights(), lora: LlamaLoRA(rank: 2, alpha: 8, targets: [.q, .v]))
        let names = net.namedParameters().map(\.name)
        #expect(names.count == 2 * 2 * 2)
        #expect(names.allSatisfy { $0.hasSuffix("loraA") || $0.hasSuffix("loraB") })
        #expect(names.contains("blocks.1.v.loraB"))
        try net.logits(Self.tokens).sum().backward()
        #expect(net.namedParameters().allSatisfy { $0.parameter.grad != nil })
    }

    @Test func badSettingsAndInputsAreErrors() throws {
        let w = try Self.weights()
        #expect(throws: LLMError.self) { try Self.network(w, lora: LlamaLoRA(rank: 0, alpha: 8)) }
        #expect(throws: LLMError.self) { try Self.network(w, lora: LlamaLoRA(rank: 2, alpha: 8, targets: [])) }
        #expect(throws: LLMError.self) { try Self.network(w, lora: LlamaLoRA(rank: 9, alpha: 8)) }
        #expect(throws: LLMError.self) { try Self.network(w).logits([1, 11]) }
        #expect(throws: LLMError.self) { try Self.network(w).logits([]) }
        var missing = w
        missing["blk.1.ffn_up.weight"] = nil
        #expect(throws: LLMError.self) { try Self.network(missing) }
        #expect(throws: LLMError.self) { try LlamaConfig(layers: 1, dim: 6, heads: 4, kvHeads: 1, ffn: 4, vocabulary: 3) }
    }
}

/// A batch [B, T] whose rows end in padding runs each row on its real tokens alone.
struct LlamaNetworkBatchTests {
    @Test func paddedRowsEqualTheirSequencesAndPaddingGetsZeros() throws {
        let net = try LlamaNetworkTests.network(LlamaNetworkTests.weights(), lora: LlamaNetworkTests.everyTarget)
        let a = [1, 4, 9, 2, 7], b = [3, 5, 8]
        let p = LlamaNetwork.padding
        let batch = try net(Tensor(indices: a + b + [p, p]).reshaped([2, 5]))
        #expect(batch.shape == [2, 5, LlamaNetworkTests.config.vocabulary])
        let rows = batch.floats(), v = LlamaNetworkTests.config.vocabulary
        #expect(Array(rows[0..<(5 * v)]) == (try net.logits(a).floats()))
        #expect(Array(rows[(5 * v)..<(8 * v)]) == (try net.logits(b).floats()))
        #expect(rows[(8 * v)...].allSatisfy { $0 == 0 })
        #expect(throws: LLMError.self) { try net(Tensor(indices: [1, p, 4]).reshaped([1, 3])) }
        #expect(throws: LLMError.self) { try net(Tensor(indices: [p, p]).reshaped([1, 2])) }
        #expect(throws: LLMError.self) { try net(Tensor(indices: [1, 99]).reshaped([1, 2])) }
    }
}

/// Activation checkpointing recomputes each block in the backward pass: the same gradients, the
/// same dropout masks, the same generator states afterwards.
struct LlamaCheckpointingTests {
    @Test func checkpointedGradientsEqualTheStoredOnes() throws {
        let w = try LlamaNetworkTests.weights()
        let lora = LlamaLoRA(rank: 2, alpha: 8, dropout: 0.3, targets: Set(LlamaProjection.allCases), seed: 5)
        func run(checkpointing: Bool) throws -> (loss: Float, grads: [[Float]], rng: [UInt64]) {
            let net = try LlamaNetworkTests.network(w, lora: lora)
            var rng = RandomGenerator(seed: 62)
            for a in net.adapters { a.loraB.value = try Tensor.normal(a.loraB.shape, std: 0.3, using: &rng) }
            net.checkpointsBlocks = checkpointing
            net.train()
            let logits = try net.logits(LlamaNetworkTests.tokens)
            let loss = try Loss.crossEntropy(logits, Tensor(indices: [4, 9, 2, 7, 3, 1]))
            try loss.backward()
            let dropouts = net.namedModules().compactMap { $0.module as? Dropout }
            return (Float(try loss.item()), net.parameters().map { $0.grad?.floats() ?? [] },
                    dropouts.map { $0.generator.state.0 })
        }
        let plain = try run(checkpointing: false), checkpointed = try run(checkpointing: true)
        #expect(plain.loss == checkpointed.loss)
        #expect(plain.rng == checkpointed.rng, "the recomputation left the dropout generators where the first pass did")
        #expect(plain.grads.allSatisfy { !$0.isEmpty } && plain.grads.count == checkpointed.grads.count)
        let worst = zip(plain.grads, checkpointed.grads).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
        #expect(worst <= 1e-6, "\(worst)")
    }
}

/// The doc comment's example of ``ActivationCheckpoint``, checked against the source: the same
/// output and the same gradients as the layer run plainly.
struct ActivationCheckpointExampleTests {
    @Test func checkpointedLayerMatchesThePlainOne() throws {
        var rng = RandomGenerator(seed: 4)
        let block = try Linear(4, 3, using: &rng)
        let x = try Tensor.normal([5, 4], using: &rng)
        // example: ActivationCheckpoint
        // x: [T, dim]; the block's adapters are its only parameters.
        let y = try ActivationCheckpoint.run(x, parameters: block.parameters().map(\.value)) { try block($0) }
        // end example
        try (y * y).sum().backward()
        let checkpointed = block.parameters().map { $0.grad?.floats() ?? [] }
        block.zeroGrad()
        let plain = try block(x)
        try (plain * plain).sum().backward()
        #expect(y.floats() == plain.floats())
        #expect(checkpointed == block.parameters().map { $0.grad?.floats() ?? [] } && !checkpointed[0].isEmpty)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Autograd/ActivationCheckpoint.swift", markedAs: "ActivationCheckpoint", in: #filePath) == nil)
    }
}
