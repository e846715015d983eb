import Foundation
import Testing
@testable import LoupeLLM

/// Continuous batching: several conversations decoded in one pass get exactly the logits each
/// gets alone, so a served request's greedy text never depends on what else is running.
struct BatchedDecodeTests {
    @Test func aBatchedStepGivesEachConversationItsLoneLogitsBitForBit() throws {
        let (model, _) = try LlamaRuntimeTests.loaded.get()
        let prompts = [[504, 3575, 282, 4649, 314], [1, 9690, 198, 2683], [504], Array(repeating: 30, count: 40)]
        // Alone: each conversation's prompt, then three tokens one at a time.
        var alone: [[[Float]]] = []
        for prompt in prompts {
            let context = LlamaContext(model: model, contextLength: 128)
            var rows = [try context.evaluate(prompt)]
            for token in [42, 7, 1000] { rows.append(try context.evaluate([token])) }
            alone.append(rows)
        }
        // Together: the same prompts, then the three steps in one batched pass each.
        let contexts = prompts.map { _ in LlamaContext(model: model, contextLength: 128) }
        for (context, prompt) in zip(contexts, prompts) { _ = try context.evaluate(prompt) }
        for (step, token) in [42, 7, 1000].enumerated() {
            let logits = try LlamaContext.decode(contexts.map { ($0, token) })
            for i in prompts.indices {
                #expect(logits[i] == alone[i][step + 1], "conversation \(i), step \(step)")
                #expect(contexts[i].position == prompts[i].count + step + 1)
            }
        }
        // A batch of a subset continues only its own conversations.
        _ = try LlamaContext.decode([(contexts[2], 5)])
        #expect(contexts[2].position == prompts[2].count + 4 && contexts[1].position == prompts[1].count + 3)
    }

    @Test func badBatchesAreRefusedWithTheReason() throws {
        let (model, _) = try LlamaRuntimeTests.loaded.get()
        let a = LlamaContext(model: model, contextLength: 2)
        #expect(try LlamaContext.decode([]).isEmpty)
        #expect(throws: LLMError.self) { try LlamaContext.decode([(a, 1), (a, 2)]) }
        #expect(throws: LLMError.self) { try LlamaContext.decode([(a, -1)]) }
        _ = try LlamaContext.decode([(a, 1)])
        _ = try LlamaContext.decode([(a, 1)])
        let full = #expect(throws: LLMError.self) { try LlamaContext.decode([(a, 1)]) }
        #expect(full?.message.contains("holds 2 tokens") == true)
    }
}
