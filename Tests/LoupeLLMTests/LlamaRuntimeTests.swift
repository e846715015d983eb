import Foundation
import LoupeCore
import LoupeIO
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

    @Test(arguments: GreedyReference.cases.map(\.id))
    func teacherForcedMatchesLlamaCpp(id: String) throws {
        let c = try GreedyReference.named(id)
        let context = LlamaContext(model: try Self.model)
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

    /// The fused quantized kernels agree with the float reference (engine ops on dequantized
    /// weights) to float rounding: same weights, independent code.
    @Test func agreesWithTheFloatReference() throws {
        let model = try Self.model
        let reference = try LlamaFloatReference(gguf: model.file)
        let c = try GreedyReference.named("chat_multi_turn")
        let expected = try reference.logits(c.sequence).floats()
        for threshold in [1, 1_000] {   // sgemm prompt path, then the matrix-vector path
            let context = LlamaContext(model: model)
            context.gemmThreshold = threshold
            let mine = try context.evaluate(c.sequence, logits: .all)
            let worst = zip(mine, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 2e-3, "gemm threshold \(threshold): max |Δlogit| \(worst)")
        }
    }

    /// Token-at-a-time evaluation through the KV cache gives the logits of one batched pass, on
    /// one thread and on two, with prompts split across batches.
    @Test func cachedDecodingMatchesOneBatch() throws {
        let model = try Self.model
        let tokens = try GreedyReference.named("raw_story").sequence
        let whole = try LlamaContext(model: model).evaluate(tokens, logits: .all)
        let vocabulary = model.config.vocabulary
        for threads in [1, 2] {
            let context = LlamaContext(model: model, threads: threads, maxBatch: 16)
            var stepwise = try context.evaluate(Array(tokens.prefix(20)), logits: .all)
            for t in tokens.dropFirst(20) { stepwise += try context.evaluate([t]) }
            #expect(context.position == tokens.count)
            let worst = zip(stepwise, whole).map { abs($0 - $1) }.max()!
            #expect(stepwise.count == tokens.count * vocabulary && worst < 2e-3, "\(threads) threads: max |Δlogit| \(worst)")
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
