import Foundation
import LoupeLLM

/// What a fine-tune's loss mask covers over its examples: the figures the debugger checks and the
/// report shows, because a wrong mask (nothing supervised, or the prompts learned as well as the
/// replies) trains without any error and is the classic silent bug of chat fine-tuning.
public struct LossMaskSummary: Codable, Sendable, Equatable {
    /// How the data was read.
    public enum Format: String, Codable, Sendable {
        /// Plain text: every token a target.
        case text
        /// Chat JSONL through the model's chat template: the assistant's replies are the targets.
        case chat
    }

    /// One token of the preview: its text and whether the loss is computed on it.
    public struct Token: Codable, Sendable, Equatable {
        public var text: String
        public var supervised: Bool
    }

    public var format: Format
    public var examples: Int
    public var tokens: Int
    /// Tokens the loss is computed on.
    public var supervisedTokens: Int
    /// Examples with no target at all (they teach nothing and are left out of training).
    public var examplesWithoutTargets: Int
    /// The first few of those, by their 1-based number in the data (a chat file's conversation).
    public var emptyExamples: [Int]
    /// The first example token by token, at most ``previewLimit`` tokens.
    public var preview: [Token]
    /// Plain-text data: lines that look like conversations (chat JSONL, or another chat format's
    /// markers such as `[INST]`), counted by marker. Read as text, their prompts are learned too.
    public var chatMarkers: [String: Int]

    public static let previewLimit = 160

    /// The fraction of tokens supervised.
    public var supervisedFraction: Double { tokens > 0 ? Double(supervisedTokens) / Double(tokens) : 0 }

    /// The summary of `examples` read as `format`; `text` (plain-text data only) is searched for chat markers.
    public init(examples: [CausalLMExample], format: Format, tokenizer: BPETokenizer, text: String? = nil) {
        self.format = format
        self.examples = examples.count
        tokens = examples.reduce(0) { $0 + $1.tokens.count - 1 }
        supervisedTokens = examples.reduce(0) { $0 + $1.supervisedCount }
        let empty = examples.indices.filter { examples[$0].supervisedCount == 0 }
        examplesWithoutTargets = empty.count
        emptyExamples = empty.prefix(10).map { $0 + 1 }
        preview = examples.first.map { e in
            zip(e.tokens, e.supervised).prefix(Self.previewLimit).map {
                Token(text: String(decoding: tokenizer.bytes(of: $0.0), as: UTF8.self), supervised: $0.1)
            }
        } ?? []
        chatMarkers = text.map(Self.chatMarkers(in:)) ?? [:]
    }

    /// Markers of conversation formats, each counted once per line it starts or appears on.
    static let markers = ["{\"messages\"", "<|im_start|>", "[INST]", "<|user|>", "<|assistant|>", "### Human:", "### Assistant:",
                          "<|start_header_id|>", "<start_of_turn>"]

    static func chatMarkers(in text: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            for marker in markers where line.contains(marker) { counts[marker, default: 0] += 1 }
        }
        return counts
    }
}

/// Fine-tuning data in which no example has a single target: nothing to learn. Thrown before
/// training; the debugger turns it into its `label_mask_empty` finding.
public struct EmptyLossMaskError: Error, CustomStringConvertible {
    /// The data, as the run file names it.
    public let source: String
    public let summary: LossMaskSummary

    public init(source: String, summary: LossMaskSummary) { (self.source, self.summary) = (source, summary) }

    public var description: String {
        switch summary.format {
        case .chat:
            "\(source): none of its \(summary.examples) conversations has an assistant reply to learn (the loss mask is empty); "
                + "give each conversation at least one {\"role\": \"assistant\", \"content\": \"…\"} message"
        case .text:
            "\(source): no example has a token to learn (every window is shorter than 2 tokens); raise data.block_size or add text"
        }
    }
}
