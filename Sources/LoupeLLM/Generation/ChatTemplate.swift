import LoupeGGUF

/// One message of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Renders a conversation into a prompt the way the model's GGUF `tokenizer.chat_template`
/// does. Loupe does not run Jinja: it recognises the template's family and renders it in Swift.
/// Supported: ChatML (`<|im_start|>role\n…<|im_end|>\n`, SmolLM2, Qwen), including a default
/// system prompt the template inserts when the conversation has none.
public struct ChatTemplate: Sendable, Equatable {
    /// The system prompt the template adds when the first message is not a system message.
    public let defaultSystemPrompt: String?

    /// Reads the template from the file; throws if it is missing or of an unsupported family.
    public init(gguf file: GGUFFile) throws {
        guard let template = file["tokenizer.chat_template"]?.string else {
            throw LLMError(message: "\(file.name): tokenizer.chat_template is missing, so the model's chat format is unknown; use `loupe generate` with a hand-written prompt")
        }
        try self.init(template: template)
    }

    public init(template: String) throws {
        guard template.contains("<|im_start|>"), template.contains("<|im_end|>") else {
            throw LLMError(message: "the chat template is not ChatML (<|im_start|>…<|im_end|>), the only family supported so far; use `loupe generate` with a hand-written prompt")
        }
        // A literal default system turn, e.g. '<|im_start|>system\nYou are …<|im_end|>\n' inside
        // an `if … != 'system'` branch.
        let marker = "<|im_start|>system\n"
        if let start = template.range(of: marker), let end = template[start.upperBound...].range(of: "<|im_end|>"),
           !template[start.upperBound..<end.lowerBound].contains("{") {
            defaultSystemPrompt = String(template[start.upperBound..<end.lowerBound])
        } else {
            defaultSystemPrompt = nil
        }
    }

    /// The prompt for `messages`, ending with the assistant's header when `addGenerationPrompt`.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        if let system = defaultSystemPrompt, messages.first?.role != "system" {
            out += "<|im_start|>system\n\(system)<|im_end|>\n"
        }
        for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }
}
