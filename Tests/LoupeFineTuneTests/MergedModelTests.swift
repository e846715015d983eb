import Foundation
import LoupeCore
@testable import LoupeFineTune
import LoupeGGUF
import LoupeLLM
import Testing

/// Merging an adapter into a GGUF model: the tiny PEFT fixture's base written as an F32 GGUF, its
/// adapter loaded and merged; the merged file's network gives the adapted network's logits, and
/// the untouched tensors are byte-for-byte the base's.
struct MergedModelTests {
    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("loupe-merge-\(UUID().uuidString)-\(name)")
    }

    /// The fixture's base model as a GGUF file (F32, GGUF names and layout).
    static func baseGGUF() throws -> URL {
        let c = PEFTAdapterTests.config
        let base = try PEFTAdapterTests.network()
        var tensors: [GGUFTensorData] = []
        for (name, t) in try base.mergedWeights().sorted(by: { $0.key < $1.key }) {
            let values = try t.to(.float32).floats()
            tensors.append(GGUFTensorData(name: name, shape: t.shape.reversed(), type: .f32, bytes: values.withUnsafeBufferPointer { Data(buffer: $0) }))
        }
        let metadata: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")), ("llama.block_count", .uint32(UInt32(c.layers))),
            ("llama.embedding_length", .uint32(UInt32(c.dim))), ("llama.attention.head_count", .uint32(UInt32(c.heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(c.kvHeads))), ("llama.feed_forward_length", .uint32(UInt32(c.ffn))),
            ("llama.context_length", .uint32(64)), ("llama.rope.freq_base", .float32(Float(c.ropeBase))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(Float(c.rmsEpsilon))),
            ("tokenizer.ggml.tokens", .array((0..<c.vocabulary).map { .string("t\($0)") })),
        ]
        let url = temporary("base.gguf")
        try GGUFWriter(metadata: metadata, tensors: tensors).write(to: url)
        return url
    }

    @Test func theMergedModelGivesTheAdaptedLogits() throws {
        let baseURL = try Self.baseGGUF(), mergedURL = Self.temporary("merged.gguf")
        defer { try? FileManager.default.removeItem(at: baseURL); try? FileManager.default.removeItem(at: mergedURL) }
        let base = try GGUFFile(contentsOf: baseURL)
        let lora = try PEFTAdapter.settings(config: PEFTAdapterTests.directory.appendingPathComponent(PEFTAdapter.configFile))
        let adapted = try LlamaNetwork(gguf: base, lora: lora)
        try PEFTAdapter.load(PEFTAdapterTests.directory, into: adapted)
        let names = try MergedModel.write(adapted, base: base, to: mergedURL, type: .f32)
        #expect(names.count == 2 * 7)
        let merged = try GGUFFile(contentsOf: mergedURL)
        let logits = try LlamaNetwork(gguf: merged).logits(PEFTAdapterTests.expected.tokens).floats()
        let expected = try adapted.logits(PEFTAdapterTests.expected.tokens).floats()
        let worst = zip(logits, expected).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(worst <= 1e-5, "\(worst)")
        // PEFT's own forward, too.
        #expect(zip(logits, PEFTAdapterTests.expected.adapted_logits.flatMap { $0 }).allSatisfy { abs($0 - $1) < 1e-4 })
        for info in base.tensors where !names.contains(info.name) {
            #expect(merged.bytes(of: try #require(merged.tensors.first { $0.name == info.name })) == base.bytes(of: info), "\(info.name)")
        }
        #expect(merged.metadata.map(\.key) == base.metadata.map(\.key))
    }

    @Test func typesThatCannotHoldTheWeightsAreClearErrors() throws {
        let baseURL = try Self.baseGGUF(), out = Self.temporary("q.gguf")
        defer { try? FileManager.default.removeItem(at: baseURL); try? FileManager.default.removeItem(at: out) }
        let base = try GGUFFile(contentsOf: baseURL)
        let adapted = try LlamaNetwork(gguf: base, lora: LlamaLoRA(rank: 2, alpha: 4, targets: [.q]))
        // Rows of 8 values are not whole Q8_0 blocks of 32.
        #expect { try MergedModel.write(adapted, base: base, to: out, type: .q8_0) } throws: { "\($0)".contains("blocks of 32") }
        #expect { try MergedModel.write(adapted, base: base, to: out, type: .q4_K) } throws: { "\($0)".contains("cannot write merged weights as") }
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}

/// The whole path on SmolLM2: adapters saved as PEFT files, read back, merged into a GGUF that the
/// quantized runtime loads, whose prompt logits are the adapted network's.
struct MergedSmolLM2Tests {
    @Test func aMergedSmolLM2LoadsInTheRuntimeAndGivesTheAdaptedLogits() throws {
        let file = try GGUFFile(contentsOf: DefaultModel.resolve(nil))
        let lora = LlamaLoRA(rank: 4, alpha: 8, targets: [.q, .v, .down], seed: 2)
        let trained = try LlamaNetwork(gguf: file, lora: lora)
        var rng = RandomGenerator(seed: 81)
        for block in trained.blocks {
            for p in lora.targets { block.adapter(p)!.loraB.value = try Tensor.normal(block.adapter(p)!.loraB.shape, std: 0.02, using: &rng) }
        }
        let adapterDir = MergedModelTests.temporary("adapter"), mergedURL = MergedModelTests.temporary("smollm2-merged.gguf")
        defer { try? FileManager.default.removeItem(at: adapterDir); try? FileManager.default.removeItem(at: mergedURL) }
        try PEFTAdapter.save(trained, to: adapterDir, baseModel: "HuggingFaceTB/SmolLM2-135M-Instruct")
        // As `loupe merge` does: the settings and tensors from the files, a fresh network.
        let reloaded = try LlamaNetwork(gguf: file, lora: try PEFTAdapter.settings(config: adapterDir.appendingPathComponent(PEFTAdapter.configFile)))
        try PEFTAdapter.load(adapterDir, into: reloaded)
        try MergedModel.write(reloaded, base: file, to: mergedURL, type: .f16)
        let tokens = try BPETokenizer(gguf: file).encode("The capital of France is Paris, and the capital of Italy is", parseSpecial: false)
        let expected = try GradMode.withoutGrad { try trained.logits(tokens).floats() }
        let base = try GradMode.withoutGrad { try LlamaNetwork(gguf: file).logits(tokens).floats() }
        let merged = try LlamaContext(model: LlamaModel(gguf: GGUFFile(contentsOf: mergedURL))).evaluate(tokens, logits: .all)
        let worst = zip(merged, expected).map { abs($0 - $1) }.max()!, moved = zip(base, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 0.15, "max |Δlogit| runtime vs adapted network: \(worst)")
        #expect(moved > 5 * worst, "the adapter moved the logits by \(moved), not clearly more than the merge's error \(worst)")
    }
}
