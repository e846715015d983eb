import Foundation
import LoupeGGUF
import LoupeLLM
import LoupeTestSupport
import Testing

/// The real default model (fetched by `make test`'s set-up into ~/.cache/loupe/models): what the
/// issue says is in the file must be what the reader finds.
struct GGUFModelTests {
    static var modelURL: URL { DefaultModel.url }

    @Test func smolLM2MetadataAndTensors() throws {
        guard FileManager.default.fileExists(atPath: Self.modelURL.path) else {
            Issue.record("the model is missing at \(Self.modelURL.path): run scripts/fetch-model.sh (make test does)")
            return
        }
        let file = try GGUFFile(contentsOf: Self.modelURL)
        #expect(file.version == 3 && file.tensors.count == 272)
        #expect(file["general.architecture"]?.string == "llama")
        #expect(file["llama.block_count"]?.int == 30)
        #expect(file["llama.embedding_length"]?.int == 576)
        #expect(file["llama.feed_forward_length"]?.int == 1536)
        #expect(file["llama.attention.head_count"]?.int == 9)
        #expect(file["llama.attention.head_count_kv"]?.int == 3)
        #expect(file["llama.rope.freq_base"]?.double == 100_000)
        #expect(file["llama.rope.dimension_count"]?.int == 64)
        #expect(abs((file["llama.attention.layer_norm_rms_epsilon"]?.double ?? 0) - 1e-5) < 1e-9)
        #expect(file["llama.context_length"]?.int == 8192)
        #expect(file["tokenizer.ggml.model"]?.string == "gpt2")
        #expect(file["tokenizer.ggml.pre"]?.string == "smollm")
        #expect(file["tokenizer.ggml.tokens"]?.array?.count == 49152)
        #expect(file["tokenizer.ggml.merges"]?.array?.count == 48900)
        #expect(file["tokenizer.ggml.bos_token_id"]?.int == 1 && file["tokenizer.ggml.eos_token_id"]?.int == 2)
        #expect(file["tokenizer.chat_template"]?.string?.contains("<|im_start|>") == true)
        // Tied head: no output.weight; the embedding is Q8_0, the matrices Q4_1, the norms F32.
        #expect(file.tensor("output.weight") == nil)
        #expect(file.tensor("token_embd.weight")?.type == .q8_0 && file.tensor("token_embd.weight")?.shape == [576, 49152])
        #expect(file.tensor("blk.0.attn_q.weight")?.type == .q4_1 && file.tensor("blk.0.attn_k.weight")?.shape == [576, 192])
        #expect(file.tensor("blk.29.ffn_down.weight")?.type == .q4_1 && file.tensor("blk.29.ffn_down.weight")?.shape == [1536, 576])
        #expect(file.tensor("blk.0.attn_norm.weight")?.type == .f32 && file.tensor("output_norm.weight")?.type == .f32)
        // The tensors tile the data section: the last one ends at the end of the file (mod alignment).
        let end = file.tensors.map { file.dataOffset + $0.offset + $0.byteCount }.max()!
        #expect(end <= file.data.count && file.data.count - end < file.alignment)
    }

    @Test func realModelNormsAndEmbeddingAreSane() throws {
        guard FileManager.default.fileExists(atPath: Self.modelURL.path) else {
            Issue.record("the model is missing: run scripts/fetch-model.sh (make test does)")
            return
        }
        let file = try GGUFFile(contentsOf: Self.modelURL)
        let norm = try file.floats(try #require(file.tensor("blk.0.attn_norm.weight")))
        #expect(norm.count == 576 && norm.allSatisfy(\.isFinite))
        let q = try file.floats(try #require(file.tensor("blk.0.attn_q.weight")))
        #expect(q.count == 576 * 576 && q.allSatisfy(\.isFinite))
        let mean = q.reduce(0, +) / Float(q.count), rms = (q.map { $0 * $0 }.reduce(0, +) / Float(q.count)).squareRoot()
        #expect(abs(mean) < 0.01 && rms > 0.01 && rms < 1, "trained weights: mean \(mean), rms \(rms)")
    }
}

/// The doc comment's example of the runtime, compiled and run here and checked against the source.
struct LlamaDocExampleTests {
    @Test func llamaModelExample() throws {
        // example: LlamaModel
        let model = try LlamaModel(contentsOf: DefaultModel.resolve(nil))
        let context = LlamaContext(model: model)
        let logits = try context.evaluate([1, 2, 3])      // [vocabulary] for the last position
        // end example
        #expect(logits.count == model.config.vocabulary)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeLLM/Llama/LlamaModel.swift", markedAs: "LlamaModel", in: #filePath) == nil)
    }
}
