import Foundation
import LoupeCore
import LoupeGGUF
import Testing
@testable import LoupeLLM

/// The quantized runtime (``LlamaContext``) against llama.cpp's reference runs and against the
/// float reference pass, which shares none of its kernels.
struct LlamaRuntimeTests {
    static let loaded: Result<(LlamaModel, BPETokenizer), Error> = Result {
        let file = try GGUFFile(contentsOf: DefaultModel.resolve(nil))
        return (try LlamaModel(gguf: file), try BPETokenizer(gguf: file))
    }
    static var model: LlamaModel { get throws { try loaded.get().0 } }

    static func logprobRows(_ logits: [Float], vocabulary: Int) -> (Int) -> ArraySlice<Float> {
        { i in
            let row = logits[(i * vocabulary)..<((i + 1) * vocabulary)]
            let lse = Float(LogProbabilities(row).logSumExp)
            return ArraySlice(row.map { $0 - lse })
        }
    }

    /// Both arithmetic paths: the prompt path (weights dequantized, sgemm in float32) and the
    /// generation path (int8 activations × quantized weights, as llama.cpp computes), forced here
    /// onto every position by raising the sgemm threshold.
    @Test(arguments: GreedyReference.cases.map(\.id), ["sgemm", "int8"])
    func teacherForcedMatchesLlamaCpp(id: String, path: String) throws {
        let c = try GreedyReference.named(id)
        let context = LlamaContext(model: try Self.model)
        context.gemmThreshold = path == "sgemm" ? 1 : .max
        let logits = try context.evaluate(c.sequence, logits: .all)
        GreedyReference.checkTeacherForced(c, logprobs: Self.logprobRows(logits, vocabulary: context.model.config.vocabulary))
    }

    /// Free-running greedy generation reproduces llama.cpp's tokens for every step before the
    /// first near-tie (margin < 0.7 nats), where correct implementations may part ways.
    @Test(arguments: GreedyReference.cases.map(\.id))
    func greedyGenerationMatchesTheStablePrefix(id: String) throws {
        let c = try GreedyReference.named(id)
        let (model, tokenizer) = try Self.loaded.get()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = max(c.stable_prefix_len, 1)
        let result = try TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer).generate(prompt: c.prompt_tokens, options: options)
        let mine = Array(result.tokens.map(\.id).prefix(c.stable_prefix_len))
        #expect(mine == Array(c.generated_tokens.prefix(c.stable_prefix_len)), "\(id): \(mine)")
    }

    /// The prompt path agrees with the float reference (engine ops on dequantized weights, keys
    /// and values rounded to half precision as the cache stores them): same weights and
    /// arithmetic, independent code. Not to float rounding alone: where the two computations of a
    /// key differ by a float ulp across a half's rounding boundary, they round to neighbouring
    /// halves (2⁻¹¹ apart) — measured max |Δlogit| 0.024, mean 0.0030 (with a float32 cache: under 0.002).
    /// A wrong mask, position or head gives differences of whole logits. (The int8 generation path
    /// rounds activations as llama.cpp does; the llama.cpp checks above bound it.)
    @Test func promptPathAgreesWithTheFloatReference() throws {
        let model = try Self.model
        let reference = try LlamaFloatReference(gguf: model.file, halfPrecisionCache: true)
        let c = try GreedyReference.named("chat_multi_turn")
        let expected = try reference.logits(c.sequence).floats()
        let mine = try LlamaContext(model: model).evaluate(c.sequence, logits: .all)
        let differences = zip(mine, expected).map { abs($0 - $1) }
        let worst = differences.max()!, mean = differences.reduce(0, +) / Float(differences.count)
        #expect(worst < 0.06 && mean < 0.006, "max |Δlogit| \(worst), mean \(mean)")
    }

    /// Token-at-a-time evaluation through the KV cache gives the logits of one pass over the
    /// whole sequence on the same path, on one thread and on two; a prompt split into batches
    /// gives those of one batch.
    @Test func cachedDecodingMatchesOneBatch() throws {
        let model = try Self.model
        let tokens = try GreedyReference.named("raw_story").sequence
        let vocabulary = model.config.vocabulary
        func worst(_ a: [Float], _ b: [Float]) -> Float { a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max()! : .infinity }
        let oneBatch = LlamaContext(model: model)
        oneBatch.gemmThreshold = .max
        let whole = try oneBatch.evaluate(tokens, logits: .all)
        for threads in [1, 2] {
            let context = LlamaContext(model: model, threads: threads)
            context.gemmThreshold = .max
            var stepwise = try context.evaluate(Array(tokens.prefix(20)), logits: .all)
            for t in tokens.dropFirst(20) { stepwise += try context.evaluate([t]) }
            #expect(context.position == tokens.count && stepwise.count == tokens.count * vocabulary)
            #expect(worst(stepwise, whole) < 1e-3, "\(threads) threads")
        }
        // Batches of 16 and one batch of every token take different kernels (matrix-vector rows
        // on 8-bit activations against the GEMM), so they approximate differently, and the
        // half-precision KV cache rounds K and V to 11 bits after each. Seen on 2026-12-02's
        // machine: worst 0.0071, mean 6.8e-4 (below 1e-3 worst on an earlier one). The bounds are
        // a third of the prompt path's against the float reference (max 0.06, mean 0.006).
        let batched = try LlamaContext(model: model, maxBatch: 16).evaluate(tokens, logits: .all)
        let single = try LlamaContext(model: model).evaluate(tokens, logits: .all)
        let mean = zip(batched, single).map { Double(abs($0 - $1)) }.reduce(0, +) / Double(max(single.count, 1))
        #expect(worst(batched, single) < 0.02 && mean < 2e-3, "batches of 16 vs one batch: worst \(worst(batched, single)), mean \(mean)")
    }

    /// Any token count can take either path (the threshold is a speed choice, not a correctness one).
    @Test func eitherPathForAnyTokenCount() throws {
        let model = try Self.model
        for count in [1, 3] {
            let tokens = Array([504, 3575, 282].prefix(count))
            let viaGemm = LlamaContext(model: model), viaInt16 = LlamaContext(model: model)
            viaGemm.gemmThreshold = 1
            viaInt16.gemmThreshold = .max
            let a = try viaGemm.evaluate(tokens), b = try viaInt16.evaluate(tokens)
            #expect(zip(a, b).map { abs($0 - $1) }.max()! < 0.05, "\(count) tokens")
        }
    }

    @Test func rewindingReplaysExactly() throws {
        let context = LlamaContext(model: try Self.model)
        let first = try context.evaluate([504, 3575, 282, 4649, 314])
        _ = try context.evaluate([7042, 30])
        context.rewind(to: 5)
        _ = try context.evaluate([7042, 30])
        context.reset()
        #expect(try context.evaluate([504, 3575, 282, 4649, 314]) == first)
    }

    @Test func badInputsAreClearErrors() throws {
        let context = LlamaContext(model: try Self.model, contextLength: 8)
        #expect(throws: LLMError.self) { try context.evaluate([49152]) }
        #expect(throws: LLMError.self) { try context.evaluate([]) }
        _ = try context.evaluate(Array(repeating: 42, count: 8))
        let error = #expect(throws: LLMError.self) { try context.evaluate([42]) }
        #expect(error?.message.contains("context holds 8 tokens") == true)
    }

    @Test func endOfGenerationIdsMatchLlamaCpp() throws {
        #expect(try Self.loaded.get().1.endOfGeneration == [0, 2, 4])
    }
}

/// A model file that parses as GGUF but is not a model Loupe can run gets an error naming what is
/// wrong (edited copies of the real file, same byte lengths so every offset stays valid).
struct LlamaModelErrorTests {
    static func edited(_ find: String, _ replacement: String) throws -> GGUFFile {
        var bytes = try Data(contentsOf: DefaultModel.resolve(nil))
        let needle = Data(find.utf8)
        let range = try #require(bytes.range(of: needle))
        bytes.replaceSubrange(range, with: Data(replacement.utf8))
        return try GGUFFile(data: bytes, name: "edited.gguf")
    }

    /// The real file with metadata `key`'s value (a 4-byte number, after its 4-byte type) replaced.
    static func editedValue(_ key: String, _ value: [UInt8]) throws -> GGUFFile {
        var bytes = try Data(contentsOf: DefaultModel.resolve(nil))
        let range = try #require(bytes.range(of: Data(key.utf8)))
        bytes.replaceSubrange((range.upperBound + 4)..<(range.upperBound + 8), with: value)
        return try GGUFFile(data: bytes, name: "edited.gguf")
    }

    @Test func absurdOrNonsenseHyperparametersAreRefused() throws {
        let nan: [UInt8] = [0x00, 0x00, 0xC0, 0x7F], negative: [UInt8] = [0x00, 0x00, 0x80, 0xBF]   // Float32 NaN, -1
        let rope = #expect(throws: LLMError.self) { try LlamaModel(gguf: Self.editedValue("llama.rope.freq_base", nan)) }
        #expect(rope?.message == "edited.gguf: llama.rope.freq_base is nan; expected a finite number > 1")
        let epsilon = #expect(throws: LLMError.self) { try LlamaModel(gguf: Self.editedValue("llama.attention.layer_norm_rms_epsilon", negative)) }
        #expect(epsilon?.message == "edited.gguf: llama.attention.layer_norm_rms_epsilon is -1.0; expected a finite number in (0, 1)")
        // 4 billion blocks: refused before an array of them is allocated.
        let blocks = #expect(throws: LLMError.self) { try LlamaModel(gguf: Self.editedValue("llama.block_count", [0xFF, 0xFF, 0xFF, 0xFF])) }
        #expect(blocks?.message.hasPrefix("edited.gguf: llama.block_count is 4294967295 but the file has") == true, "\(blocks?.message ?? "")")
        // A feed-forward width of 4 billion: its buffers would not fit.
        let ffn = #expect(throws: LLMError.self) { try LlamaModel(gguf: Self.editedValue("llama.feed_forward_length", [0xFF, 0xFF, 0xFF, 0xFF])) }
        #expect(ffn?.message.contains("would need") == true && ffn?.message.contains("this machine has") == true, "\(ffn?.message ?? "")")
    }

    @Test func aMissingTensorIsNamed() throws {
        let file = try Self.edited("blk.7.ffn_up.weight", "blk.7.ffn_UP.weight")
        let error = #expect(throws: LLMError.self) { try LlamaModel(gguf: file) }
        #expect(error?.message == "edited.gguf: tensor blk.7.ffn_up.weight is missing")
    }

    @Test func anotherArchitectureIsRefused() throws {
        let file = try Self.edited("general.architecture\u{08}\0\0\0\u{05}\0\0\0\0\0\0\0llama", "general.architecture\u{08}\0\0\0\u{05}\0\0\0\0\0\0\0gemma")
        let error = #expect(throws: LLMError.self) { try LlamaModel(gguf: file) }
        #expect(error?.message.contains("only \"llama\" is supported") == true)
    }
}
