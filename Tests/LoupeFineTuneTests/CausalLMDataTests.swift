import Foundation
import LoupeCore
@testable import LoupeFineTune
import LoupeGGUF
import LoupeLLM
import Testing

/// Fine-tuning data with SmolLM2's tokenizer and chat template: the chat tokens are exactly the
/// ones generation uses, the loss mask covers the assistant's replies and their end-of-turn token
/// and nothing else, and bad lines are errors naming the line.
struct CausalLMDataTests {
    static let loaded: Result<(BPETokenizer, ChatTemplate), Error> = Result {
        let file = try GGUFFile(contentsOf: DefaultModel.resolve(nil))
        return (try BPETokenizer(gguf: file), try ChatTemplate(gguf: file))
    }

    @Test func chatTokensAreGenerationsAndOnlyRepliesAreSupervised() throws {
        let (tokenizer, template) = try Self.loaded.get()
        let jsonl = """
        {"messages": [{"role": "user", "content": "What is the capital of Zembla?"}, {"role": "assistant", "content": "Onhava, on the northern coast."}]}

        {"messages": [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3+3?"}, {"role": "assistant", "content": " 6, of course.\\n"}]}
        """
        let examples = try CausalLMData.chat(jsonl: jsonl, source: "facts.jsonl", template: template, tokenizer: tokenizer, maxLength: 512)
        #expect(examples.count == 2)
        let conversations = [
            [ChatMessage(role: "user", content: "What is the capital of Zembla?"), ChatMessage(role: "assistant", content: "Onhava, on the northern coast.")],
            [ChatMessage(role: "system", content: "Answer briefly."), ChatMessage(role: "user", content: "2+2?"), ChatMessage(role: "assistant", content: "4"),
             ChatMessage(role: "user", content: "And 3+3?"), ChatMessage(role: "assistant", content: " 6, of course.\n")],
        ]
        // The replies and their end-of-turn tokens. A reply starting with a space shares its first
        // token with the header's newline ("\n " is one token): that token is learned whole.
        let expected = ["Onhava, on the northern coast.<|im_end|>", "4<|im_end|>\n 6, of course.\n<|im_end|>"]
        for ((example, messages), replies) in zip(zip(examples, conversations), expected) {
            #expect(example.tokens == template.tokens(for: messages, tokenizer: tokenizer, addGenerationPrompt: false))
            let learned = zip(example.tokens, example.supervised).filter(\.1).map(\.0)
            #expect(tokenizer.decode(learned) == replies)
            #expect(example.labels().count == example.tokens.count - 1)
            #expect(example.supervisedCount == learned.count)
        }
    }

    @Test func plainTextIsCutIntoWindows() throws {
        let (tokenizer, _) = try Self.loaded.get()
        let text = String(repeating: "To be, or not to be, that is the question. ", count: 20)
        let ids = tokenizer.encode(text, parseSpecial: false)
        let examples = try CausalLMData.text(text, tokenizer: tokenizer, length: 32)
        #expect(examples.flatMap(\.tokens) == Array(ids.prefix(examples.flatMap(\.tokens).count)))
        #expect(examples.dropLast().allSatisfy { $0.tokens.count == 32 && $0.supervisedCount == 31 })
        #expect(examples.allSatisfy { $0.supervised.first == false })
    }

    @Test func badLinesAreErrorsNamingTheLine() throws {
        let (tokenizer, template) = try Self.loaded.get()
        func error(_ jsonl: String, maxLength: Int = 512) -> String {
            do {
                _ = try CausalLMData.chat(jsonl: jsonl, source: "d.jsonl", template: template, tokenizer: tokenizer, maxLength: maxLength)
                return "no error"
            } catch { return "\(error)" }
        }
        let good = #"{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}"#
        #expect(error(good + "\n" + #"{"text": "hi"}"#).contains("d.jsonl line 2: no \"messages\""))
        #expect(error(#"{"messages": [{"role": "wizard", "content": "hi"}]}"#).contains("\"wizard\""))
        #expect(error("not json").contains("line 1: not a JSON object"))
        #expect(error(#"{"messages": [{"role": "user"}]}"#).contains("message 1"))
        #expect(error(good, maxLength: 8).contains("line 1: the conversation is"))
        #expect(error("\n\n").contains("no conversations"))
        #expect(throws: FineTuneError.self) { try CausalLMData.text("abc", tokenizer: tokenizer, length: 1) }
    }
}
