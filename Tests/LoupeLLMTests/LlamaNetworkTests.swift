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
