import Foundation
import LoupeCore
@testable import LoupeFineTune
import LoupeLLM
import LoupeSafeTensors
import Testing

/// PEFT's adapter files against a fixture made by Hugging Face transformers and PEFT
/// (scripts/fixtures/make_peft_fixture.py): a tiny Llama's logits through Loupe's network from
/// Hugging Face's weights (names and the Q/K row order), the same with PEFT's adapter loaded,
/// and Loupe's saved adapter equal to PEFT's, names, shapes, values and config.
struct PEFTAdapterTests {
    struct Expected: Decodable {
        let layers: Int, dim: Int, heads: Int, kv_heads: Int, ffn: Int, vocabulary: Int
        let rms_epsilon: Double, rope_base: Double, rank: Int, alpha: Double
        let tokens: [Int]
        let base_logits: [[Float]], adapted_logits: [[Float]]
    }

    static let directory = Bundle.module.url(forResource: "Fixtures/peft", withExtension: nil)!
    static let expected = try! JSONDecoder().decode(Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
    static var config: LlamaConfig {
        let e = expected
        return try! LlamaConfig(layers: e.layers, dim: e.dim, heads: e.heads, kvHeads: e.kv_heads, ffn: e.ffn, vocabulary: e.vocabulary,
                                ropeBase: e.rope_base, rmsEpsilon: e.rms_epsilon)
    }

    static func network(lora: LlamaLoRA? = nil) throws -> LlamaNetwork {
        let base = try SafeTensors.read(contentsOf: directory.appendingPathComponent("base.safetensors"))
        return try LlamaNetwork(config: config, weight: { try HuggingFaceLlama.ggufWeight($0, config: config, from: { base[$0] }) }, lora: lora)
    }

    static func worst(_ logits: Tensor, _ expected: [[Float]]) -> Float {
        zip(logits.floats(), expected.flatMap { $0 }).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test func theBaseModelMatchesTransformers() throws {
        let logits = try Self.network().logits(Self.expected.tokens)
        #expect(logits.shape == [Self.expected.tokens.count, Self.expected.vocabulary])
        #expect(Self.worst(logits, Self.expected.base_logits) < 1e-4, "\(Self.worst(logits, Self.expected.base_logits))")
    }

    @Test func peftsAdapterLoadsAndMatchesPEFTsForward() throws {
        let lora = try PEFTAdapter.settings(config: Self.directory.appendingPathComponent(PEFTAdapter.configFile))
        #expect(lora.rank == 2 && lora.alpha == 4 && lora.targets == Set(LlamaProjection.allCases))
        let net = try Self.network(lora: lora)
        try PEFTAdapter.load(Self.directory, into: net)
        let logits = try net.logits(Self.expected.tokens)
        #expect(Self.worst(logits, Self.expected.adapted_logits) < 1e-4, "\(Self.worst(logits, Self.expected.adapted_logits))")
        #expect(Self.worst(logits, Self.expected.base_logits) > 1e-2, "the adapter changed nothing")
    }

    @Test func savedAdapterEqualsPEFTs() throws {
        let lora = try PEFTAdapter.settings(config: Self.directory.appendingPathComponent(PEFTAdapter.configFile))
        let net = try Self.network(lora: lora)
        try PEFTAdapter.load(Self.directory, into: net)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-peft-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        try PEFTAdapter.save(net, to: out, baseModel: "tiny")
        let mine = try SafeTensors.read(contentsOf: out.appendingPathComponent(PEFTAdapter.weightsFile))
        let theirs = try SafeTensors.read(contentsOf: Self.directory.appendingPathComponent(PEFTAdapter.weightsFile))
        #expect(Set(mine.names) == Set(theirs.names))
        for name in theirs.names {
            #expect(try mine.tensor(name).shape == theirs.tensor(name).shape, "\(name)")
            #expect(try mine.tensor(name).floats() == theirs.tensor(name).floats(), "\(name)")
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(PEFTAdapter.configFile))) as! [String: Any]
        let peft = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.directory.appendingPathComponent(PEFTAdapter.configFile))) as! [String: Any]
        for key in ["peft_type", "task_type", "r", "bias"] { #expect("\(config[key]!)" == "\(peft[key]!)", "\(key)") }
        #expect(config["lora_alpha"] as? Double == peft["lora_alpha"] as? Double)
        #expect(Set(config["target_modules"] as! [String]) == Set(peft["target_modules"] as! [String]))
        // And it reads back as the same settings.
        #expect(try PEFTAdapter.settings(config: out.appendingPathComponent(PEFTAdapter.configFile)) == lora)
    }

    @Test func badAdaptersAreClearErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-peft-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent(PEFTAdapter.configFile)
        try Data(#"{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj", "qkv_proj"]}"#.utf8).write(to: config)
        #expect { try PEFTAdapter.settings(config: config) } throws: { "\($0)".contains("qkv_proj") }
        try Data(#"{"peft_type": "IA3", "target_modules": ["q_proj"]}"#.utf8).write(to: config)
        #expect { try PEFTAdapter.settings(config: config) } throws: { "\($0)".contains("IA3") }
        // An adapter file without the network's down_proj adapters.
        let net = try Self.network(lora: LlamaLoRA(rank: 2, alpha: 4, targets: [.q, .down]))
        let theirs = try SafeTensors.read(contentsOf: Self.directory.appendingPathComponent(PEFTAdapter.weightsFile))
        try SafeTensors.write(theirs.tensors.filter { !$0.key.contains("down_proj") }, to: dir.appendingPathComponent(PEFTAdapter.weightsFile))
        #expect { try PEFTAdapter.load(dir, into: net) } throws: { "\($0)".contains("down_proj") }
    }
}
