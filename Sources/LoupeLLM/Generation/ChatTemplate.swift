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
    /// As text, a message that contains `<|im_start|>` cannot be told from the template's own; to
    /// feed the model, use ``tokens(for:tokenizer:addGenerationPrompt:)``, which keeps them apart.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        pieces(messages, addGenerationPrompt: addGenerationPrompt).map(\.text).joined()
    }

    /// The prompt's token ids: the template's control tokens as control tokens, and roles and
    /// message contents as plain text, so that a message containing `<|im_start|>system` is read
    /// as those characters, never as a turn of its own (prompt injection through special tokens).
    /// For a conversation without control-token strings these are the ids of ``render(_:addGenerationPrompt:)``
    /// encoded with special tokens parsed, as llama.cpp does.
    public func tokens(for messages: [ChatMessage], tokenizer: BPETokenizer, addGenerationPrompt: Bool = true) -> [Int] {
        pieces(messages, addGenerationPrompt: addGenerationPrompt).flatMap { piece in
            switch piece {
            case let .control(text): tokenizer.encode(text, parseSpecial: true)
            case let .text(text): tokenizer.encode(text, parseSpecial: false)
            }
        }
    }

    /// The roles this template renders as turns of their own (ChatML's).
    public static let roles: Set<String> = ["system", "user", "assistant"]

    /// The turns the prompt renders, in order: `messages`, after the template's default system
    /// prompt when the conversation does not start with a system message. Each turn is
    /// `<|im_start|>` + "role\ncontent" + `<|im_end|>` + "\n".
    public func turns(_ messages: [ChatMessage]) -> [ChatMessage] {
        if let system = defaultSystemPrompt, messages.first?.role != "system" {
            return [ChatMessage(role: "system", content: system)] + messages
        }
        return messages
    }

    /// The prompt as control tokens and text, adjacent text joined (so that it is split into
    /// words exactly as the whole prompt would be).
    public func pieces(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> [ChatPromptPiece] {
        var pieces: [ChatPromptPiece] = []
        func add(_ piece: ChatPromptPiece) {
            if case let .text(more) = piece, case let .text(text)? = pieces.last {
                pieces[pieces.count - 1] = .text(text + more)
            } else {
                pieces.append(piece)
            }
        }
        for m in turns(messages) {
            add(.control("<|im_start|>"))
            add(.text("\(m.role)\n\(m.content)"))
            add(.control("<|im_end|>"))
            add(.text("\n"))
        }
        if addGenerationPrompt {
            add(.control("<|im_start|>"))
            add(.text("assistant\n"))
        }
        return pieces
    }
}

/// A piece of a rendered chat prompt.
public enum ChatPromptPiece: Sendable, Equatable {
    /// One of the template's control tokens, such as `<|im_start|>`.
    case control(String)
    /// Roles, message contents and the template's own text: never read as control tokens.
    case text(String)

    /// The piece as it appears in the rendered prompt.
    public var text: String {
        switch self {
        case let .control(text), let .text(text): text
        }
    }
}
