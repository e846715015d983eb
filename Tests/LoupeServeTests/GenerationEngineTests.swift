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
        let (_, tokenizer, _) = try Self.loaded.get()
        // The long job must still hold its slot when the test thread gets to run again, which on a
        // machine busy with parallel tests took over the 1.6 s that 200 tokens take: thousands.
        let engine = try Self.engine(slots: 1, queue: 1, context: 8192)
        let prompt = tokenizer.encode("Count to one hundred:")
        var endless = Self.options(8000)
        endless.stopAtEndOfGeneration = false     // holds its slot until cancelled
        let long = GenerationJob(id: "long", prompt: prompt, options: endless)
        let waiting = GenerationJob(id: "waiting", prompt: prompt, options: Self.options(3))
        try engine.submit(long)
        // Wait until the long job holds the slot.
        var started = false
        for await event in long.events { if case .token = event { started = true; break } }
        #expect(started)
        try engine.submit(waiting)
        let before = engine.load
        if before.busy == 0 {
            // The long job lost its slot before it was cancelled: say how, to find out why.
            var rest: [String] = []
            for await event in long.events { rest.append("\(event)") }
            Issue.record("the long job ended by itself: \(rest.suffix(2))")
        }
        let refused = #expect(throws: APIError.self) { try engine.submit(GenerationJob(id: "third", prompt: prompt, options: Self.options(3))) }
        #expect(refused?.status == 503 && refused?.code == "queue_full", "load before: \(before)")
        long.cancel()
        let (ids, _, _) = try await Self.collect(waiting)
        #expect(ids.count == 3)
        #expect(engine.load.busy == 0 && engine.load.queued == 0)
        await engine.drain(deadline: .seconds(5))
        #expect(throws: APIError.self) { try engine.submit(GenerationJob(id: "late", prompt: prompt, options: Self.options(3))) }
    }
}
