import Foundation
import LoupeLLM

/// One training sequence for a causal language model: its token ids and, for each, whether the
/// model is trained to predict it (the loss mask). Token 0 is never a target: nothing precedes it.
public struct CausalLMExample: Equatable, Sendable {
    public let tokens: [Int]
    /// `supervised[i]`: token i is a target, predicted from tokens 0..<i.
    public let supervised: [Bool]

    public init(tokens: [Int], supervised: [Bool]) {
        precondition(tokens.count == supervised.count, "one mask entry per token")
        self.tokens = tokens
        self.supervised = supervised
    }

    /// The network's input: every token but the last.
    public var inputs: [Int] { Array(tokens.dropLast()) }
    /// The label of each input position: the next token, or `ignoreIndex` where it is not supervised.
    public func labels(ignoreIndex: Int = -100) -> [Int] {
        (1..<max(tokens.count, 1)).map { supervised[$0] ? tokens[$0] : ignoreIndex }
    }
    /// How many tokens the loss is computed on.
    public var supervisedCount: Int { supervised.dropFirst().filter { $0 }.count }
}

/// Training data for a causal language model from the two formats fine-tuning takes: plain text
/// (every token supervised) and chat JSONL (conversations rendered through the model's chat
/// template, the loss on the assistant's replies only).
public enum CausalLMData {
    /// `text` tokenized and cut into consecutive windows of `length` tokens (the last one shorter;
    /// one of fewer than 2 tokens is dropped), every token a target.
    public static func text(_ text: String, tokenizer: BPETokenizer, length: Int) throws -> [CausalLMExample] {
        guard length >= 2 else { throw FineTuneError("the sequence length must be at least 2 tokens, got \(length)") }
        let ids = tokenizer.encode(text, parseSpecial: false)
        return stride(from: 0, to: ids.count, by: length).compactMap { start in
            let window = Array(ids[start..<min(ids.count, start + length)])
            return window.count >= 2 ? CausalLMExample(tokens: window, supervised: [false] + Array(repeating: true, count: window.count - 1)) : nil
        }
    }

    /// One conversation per line of `jsonl` (`{"messages": [{"role": "user", "content": "…"}, …]}`;
    /// blank lines skipped), rendered through `template` as `loupe chat` would, with the tokens of
    /// each assistant message's content and its end-of-turn token supervised: the model learns the
    /// replies, never the prompts. `source` names the data in errors, which give the line.
    public static func chat(jsonl: String, source: String, template: ChatTemplate, tokenizer: BPETokenizer,
                            maxLength: Int) throws -> [CausalLMExample] {
        var examples: [CausalLMExample] = []
        for (index, line) in jsonl.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            let at = "\(source) line \(index + 1)"
            let messages = try parseMessages(text, at: at)
            let example = conversation(messages, template: template, tokenizer: tokenizer)
            guard example.tokens.count <= maxLength else {
                throw FineTuneError("\(at): the conversation is \(example.tokens.count) tokens; the limit is \(maxLength) (shorten it, split it, or raise the sequence length)")
            }
            examples.append(example)
        }
        guard !examples.isEmpty else { throw FineTuneError("\(source): no conversations (expected one JSON object with \"messages\" per line)") }
        return examples
    }

    static func parseMessages(_ line: String, at: String) throws -> [ChatMessage] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw FineTuneError("\(at): not a JSON object")
        }
        guard let list = object["messages"] as? [Any] else {
            throw FineTuneError("\(at): no \"messages\" list (expected {\"messages\": [{\"role\": \"user\", \"content\": \"…\"}, …]})")
        }
        guard !list.isEmpty else { throw FineTuneError("\(at): \"messages\" is empty") }
        return try list.enumerated().map { i, item in
            guard let m = item as? [String: Any], let role = m["role"] as? String, let content = m["content"] as? String else {
                throw FineTuneError("\(at): message \(i + 1) needs a string \"role\" and a string \"content\"")
            }
            guard ChatTemplate.roles.contains(role) else {
                throw FineTuneError("\(at): message \(i + 1) has the role \"\(role)\", which the chat template does not know (\(ChatTemplate.roles.sorted().joined(separator: ", ")))")
            }
            return ChatMessage(role: role, content: content)
        }
    }

    /// The conversation's tokens exactly as ``ChatTemplate/tokens(for:tokenizer:addGenerationPrompt:)``
    /// makes them, with the mask: each piece is encoded on its own, so a turn's tokens are found
    /// by walking the pieces (four per turn).
    static func conversation(_ messages: [ChatMessage], template: ChatTemplate, tokenizer: BPETokenizer) -> CausalLMExample {
        let turns = template.turns(messages)
        let pieces = template.pieces(messages, addGenerationPrompt: false)
        var tokens: [Int] = [], supervised: [Bool] = []
        for (p, piece) in pieces.enumerated() {
            let turn = turns[p / 4], isAssistant = turn.role == "assistant"
            switch piece {
            case let .control(text):
                let ids = tokenizer.encode(text, parseSpecial: true)
                tokens += ids
                // The assistant's <|im_end|> (piece 2 of its turn) is what ends its reply: learned.
                supervised += Array(repeating: isAssistant && p % 4 == 2, count: ids.count)
            case let .text(text):
                let ids = tokenizer.encode(text, parseSpecial: false)
                tokens += ids
                guard isAssistant && p % 4 == 1 else {
                    supervised += Array(repeating: false, count: ids.count)
                    continue
                }
                // "assistant\n" + content: the tokens ending past the header's bytes are the reply's
                // (a token straddling the boundary, such as "\n " before a reply that starts with a
                // space, is learned whole: it is how this tokenization begins the reply).
                let header = "\(turn.role)\n".utf8.count
                var end = 0
                for id in ids {
                    end += tokenizer.bytes(of: id).count
                    supervised.append(end > header)
                }
            }
        }
        return CausalLMExample(tokens: tokens, supervised: supervised)
    }
}
