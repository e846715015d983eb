import Foundation
import LoupeGGUF
import LoupeLLM
import Testing
@testable import LoupeServe

/// The engine on the real model: slots decoded together, a bounded queue, cancellation.
struct GenerationEngineTests {
    static let loaded: Result<(LlamaModel, BPETokenizer, ChatTemplate), Error> = Result {
        let file = try GGUFFile(contentsOf: DefaultModel.resolve(nil))
        return (try LlamaModel(gguf: file), try BPETokenizer(gguf: file), try ChatTemplate(gguf: file))
    }

    static func engine(slots: Int, queue: Int = 8, context: Int = 256) throws -> GenerationEngine {
        let (model, tokenizer, _) = try loaded.get()
        let engine = GenerationEngine(model: model, tokenizer: tokenizer, modelName: "smollm2",
                                      configuration: .init(slots: slots, queueLimit: queue, contextLength: context))
        engine.start()
        return engine
    }

    static func options(_ maxTokens: Int, temperature: Double = 0, seed: UInt64 = 1) -> GenerationOptions {
        var o = GenerationOptions()
        o.maxTokens = maxTokens
        if temperature == 0 { o.sampling = .greedy } else { o.sampling.temperature = temperature; o.sampling.seed = seed }
        return o
    }

    /// Token ids and text of a finished job.
    static func collect(_ job: GenerationJob) async throws -> ([Int], String, GenerationJob.Summary) {
        var ids: [Int] = [], text = ""
        for await event in job.events {
            switch event {
            case .token(let t, _): ids.append(t.id); text += t.text
            case .finished(let s): return (ids, text + s.tail, s)
            case .failed(let e): throw e
            }
        }
        throw APIError(status: 500, message: "no result", type: "server_error")
    }

    @Test("a greedy request's tokens are the same alone, batched with others, and as TextGenerator makes them")
    func greedyOutputDoesNotDependOnTheBatch() async throws {
        let (model, tokenizer, _) = try Self.loaded.get()
        let prompt = tokenizer.encode("The three primary colors are")
        let reference = try TextGenerator(context: LlamaContext(model: model, contextLength: 256), tokenizer: tokenizer)
            .generate(prompt: prompt, options: Self.options(24))
        let engine = try Self.engine(slots: 4)
        let alone = GenerationJob(id: "alone", prompt: prompt, options: Self.options(24))
        try engine.submit(alone)
        let (aloneIDs, aloneText, _) = try await Self.collect(alone)
        #expect(aloneIDs == reference.tokens.map(\.id) && aloneText == reference.text)

        // The same request among three others (sampled, different prompts and lengths), started together.
        let others = (0..<3).map { i in
            GenerationJob(id: "other\(i)", prompt: tokenizer.encode(["Once upon a time", "def fib(n):", "Dear diary,"][i]),
                          options: Self.options(10 + 7 * i, temperature: 0.9, seed: UInt64(i)))
        }
        let together = GenerationJob(id: "together", prompt: prompt, options: Self.options(24))
        try engine.submit(others[0])
        try engine.submit(together)
        try engine.submit(others[1])
        try engine.submit(others[2])
        async let mixed = Self.collect(together)
        for other in others { _ = try await Self.collect(other) }
        let (mixedIDs, mixedText, summary) = try await mixed
        #expect(mixedIDs == aloneIDs && mixedText == aloneText)
        #expect(summary.completionTokens == 24 && summary.stopReason == .maxTokens)
        await engine.drain(deadline: .seconds(5))
    }

    @Test("past the slots and the queue a request is refused with 503; a cancelled job frees its slot")
    func queueBoundAndCancellation() async throws {
        // Deterministic, whatever the machine's load: the engine is not started until the queue
        // has been filled (a test thread starved by parallel tests once resumed only after a
        // running job had finished, so timing-based versions of this test were flaky).
        let (model, tokenizer, _) = try Self.loaded.get()
        let engine = GenerationEngine(model: model, tokenizer: tokenizer, modelName: "smollm2",
                                      configuration: .init(slots: 1, queueLimit: 1, contextLength: 256))
        let prompt = tokenizer.encode("Count to one hundred:")
        let cancelled = GenerationJob(id: "cancelled", prompt: prompt, options: Self.options(200))
        let waiting = GenerationJob(id: "waiting", prompt: prompt, options: Self.options(3))
        try engine.submit(cancelled)      // will take the one slot
        try engine.submit(waiting)        // the one place in the queue
        let refused = #expect(throws: APIError.self) { try engine.submit(GenerationJob(id: "third", prompt: prompt, options: Self.options(3))) }
        #expect(refused?.status == 503 && refused?.code == "queue_full")
        cancelled.cancel()
        engine.start()
        let (ids, _, _) = try await Self.collect(waiting)
        #expect(ids.count == 3)
        var events = 0
        for await _ in cancelled.events { events += 1 }
        #expect(events == 0, "a job cancelled before it ran produces nothing")
        #expect(engine.load.busy == 0 && engine.load.queued == 0)
        await engine.drain(deadline: .seconds(5))
        #expect(throws: APIError.self) { try engine.submit(GenerationJob(id: "late", prompt: prompt, options: Self.options(3))) }
    }
}
