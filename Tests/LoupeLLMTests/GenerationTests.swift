import Foundation
import LoupeGGUF
import Testing
@testable import LoupeLLM

/// Generation on the real model (stopping, streaming) and the chat template against the
/// prompts llama.cpp rendered from the GGUF's Jinja template.
struct GenerationTests {
    func generator() throws -> TextGenerator {
        let (model, tokenizer) = try LlamaRuntimeTests.loaded.get()
        return TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer)
    }

    @Test func stopsAtAStopStringAndStreamsTheSameText() throws {
        let g = try generator()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 32
        options.stopStrings = ["\n\n"]
        var streamed = ""
        let result = try g.generate(prompt: [504, 3575, 282, 4649, 314], options: options) { streamed += $0.text; return true }
        #expect(result.text == " Paris.")          // llama.cpp: " Paris.\n\nThe United States…"
        #expect(streamed == result.text)
        #expect(result.stopReason == .stopString)
    }

    @Test func stopsAtEndOfGeneration() throws {
        let c = try GreedyReference.named("chat_one_word")   // llama.cpp: " Blue.<|im_end|>" style short answer
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 64
        let result = try generator().generate(prompt: c.prompt_tokens, options: options)
        #expect(result.stopReason == .endOfGeneration)
        #expect(result.tokens.last?.id == 2 && result.tokens.last?.text == "")
        #expect(result.tokens.allSatisfy { $0.logprob <= 0 })
    }

    @Test func maxTokensAndTheCallbackBoundGeneration() throws {
        var options = GenerationOptions()
        options.maxTokens = 5
        options.stopAtEndOfGeneration = false
        options.sampling.seed = 3
        let result = try generator().generate(prompt: [504], options: options)
        #expect(result.tokens.count == 5 && result.stopReason == .maxTokens)
        var seen = 0
        let cut = try generator().generate(prompt: [504], options: options) { _ in seen += 1; return seen < 2 }
        #expect(cut.tokens.count == 2)
        let again = try generator().generate(prompt: [504], options: options)
        #expect(again.tokens.map(\.id) == result.tokens.map(\.id), "same seed, same tokens")
    }

    @Test func heldBackTextIsALongestStopPrefix() {
        #expect(TextGenerator.heldBack("Hello <|im", stopStrings: ["<|im_end|>"]) == 4)
        #expect(TextGenerator.heldBack("Hello", stopStrings: ["<|im_end|>"]) == 0)
        #expect(TextGenerator.heldBack("ab\n", stopStrings: ["\n\n", "xyz"]) == 1)
    }

    @Test(arguments: GreedyReference.cases.filter { $0.kind == "chat" }.map(\.id))
    func chatTemplateRendersLikeLlamaCpp(id: String) throws {
        let c = try GreedyReference.named(id)
        let (model, tokenizer) = try LlamaRuntimeTests.loaded.get()
        let template = try ChatTemplate(gguf: model.file)
        let prompt = template.render(c.messages!.map { ChatMessage(role: $0.role, content: $0.content) })
        #expect(prompt == c.prompt)
        #expect(tokenizer.encode(prompt, parseSpecial: true) == c.prompt_tokens)
    }

    @Test func unsupportedTemplatesAreRefused() {
        #expect(throws: LLMError.self) { try ChatTemplate(template: "{{ bos_token }}[INST] {{ message }} [/INST]") }
    }
}
