import Foundation
import LoupeGGUF

/// Byte-level BPE (GPT-2 style) as llama.cpp runs it for `tokenizer.ggml.model = "gpt2"`: control
/// tokens matched as whole strings first (when special parsing is on), the `smollm` pre-tokenizer,
/// then merges by rank inside each piece, falling back to one token per byte.
public struct BPETokenizer: Sendable {
    public let tokens: [String]
    public let bos: Int?, eos: Int?
    /// Tokens written as themselves in text (ids with GGUF token type control or user-defined).
    public let specialTokens: [(id: Int, text: String)]
    private let ids: [String: Int]
    private let ranks: [String: Int]   // "left right" → merge rank

    /// Reads `tokenizer.ggml.*` from a GGUF file.
    public init(gguf file: GGUFFile) throws {
        guard file["tokenizer.ggml.model"]?.string == "gpt2" else {
            throw LLMError(message: "\(file.name): tokenizer.ggml.model is \(file["tokenizer.ggml.model"].map { "\($0)" } ?? "missing"); only \"gpt2\" (byte-level BPE) is supported")
        }
        // Ids are positions in these arrays: an entry of the wrong type is an error, not skipped
        // (skipping would shift every later id).
        guard let values = file["tokenizer.ggml.tokens"]?.array, !values.isEmpty,
              case let tokens = values.compactMap(\.string), tokens.count == values.count else {
            throw LLMError(message: "\(file.name): tokenizer.ggml.tokens must be a non-empty array of strings")
        }
        guard let mergeValues = file["tokenizer.ggml.merges"]?.array,
              case let merges = mergeValues.compactMap(\.string), merges.count == mergeValues.count else {
            throw LLMError(message: "\(file.name): tokenizer.ggml.merges must be an array of strings")
        }
        let typeValues = file["tokenizer.ggml.token_type"]?.array ?? []
        let types = typeValues.compactMap(\.int)
        guard types.count == typeValues.count, types.isEmpty || types.count == tokens.count else {
            throw LLMError(message: "\(file.name): tokenizer.ggml.token_type must be an array of integers, one per token (\(tokens.count)), got \(typeValues.count) entries")
        }
        var special: [(Int, String)] = [], userDefined: Set<Int> = []
        for (id, type) in types.enumerated() where type == 3 || type == 4 { special.append((id, tokens[id])) }
        for (id, type) in types.enumerated() where type == 4 { userDefined.insert(id) }
        func tokenID(_ key: String) throws -> Int? {
            guard let value = file[key] else { return nil }
            guard let id = value.int, (0..<tokens.count).contains(id) else {
                throw LLMError(message: "\(file.name): \(key) is \(value), not a token id below the vocabulary size \(tokens.count)")
            }
            return id
        }
        try self.init(tokens: tokens, merges: merges, specialTokens: special, userDefined: userDefined,
                      bos: tokenID("tokenizer.ggml.bos_token_id"), eos: tokenID("tokenizer.ggml.eos_token_id"))
    }

    /// - Parameter userDefined: the ids among `specialTokens` that are user-defined (GGUF token type
    ///   4, e.g. Qwen's `<tool_call>`): ordinary vocabulary that is matched whole in any text, as
    ///   llama.cpp does, where control tokens (type 3) are matched only with `parseSpecial`.
    public init(tokens: [String], merges: [String], specialTokens: [(Int, String)], userDefined: Set<Int> = [],
                bos: Int?, eos: Int?) throws {
        self.tokens = tokens
        var ids: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = i }
        self.ids = ids
        var ranks: [String: Int] = [:]
        for (i, m) in merges.enumerated() where ranks[m] == nil { ranks[m] = i }
        self.ranks = ranks
        // Longest first, so "<|im_start|>" wins over any special token that is its prefix.
        self.specialTokens = specialTokens.filter { !$0.1.isEmpty }.sorted { $0.1.count > $1.1.count }.map { (id: $0.0, text: $0.1) }
        self.userDefined = userDefined
        self.bos = bos
        self.eos = eos
    }

    /// Ids of user-defined tokens (matched whole even without `parseSpecial`).
    let userDefined: Set<Int>

    /// Token ids of `text`. With `parseSpecial`, control-token strings such as `<|im_start|>`
    /// become their ids; without, they are tokenized as ordinary text.
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int] {
        var out: [Int] = []
        for fragment in partition(text, parseSpecial: parseSpecial) {
            switch fragment {
            case let .special(id): out.append(id)
            case let .text(t): for piece in PreTokenizer.split(t) { out += bpe(piece) }
            }
        }
        return out
    }

    /// The bytes a token stands for (special tokens: their text).
    public func bytes(of id: Int) -> [UInt8] {
        guard id >= 0, id < tokens.count else { return [] }
        if specialTokens.contains(where: { $0.id == id }) { return Array(tokens[id].utf8) }
        return ByteLevel.decode(tokens[id]) ?? Array(tokens[id].utf8)
    }

    /// The text of some ids (invalid UTF-8 across the whole sequence is replaced by U+FFFD).
    public func decode(_ ids: [Int]) -> String {
        String(decoding: ids.flatMap { bytes(of: $0) }, as: UTF8.self)
    }

    private enum Fragment { case text(String), special(Int) }

    private func partition(_ text: String, parseSpecial: Bool) -> [Fragment] {
        let matched = parseSpecial ? specialTokens : specialTokens.filter { userDefined.contains($0.id) }
        guard !matched.isEmpty else { return text.isEmpty ? [] : [.text(text)] }
        var fragments: [Fragment] = [.text(text)]
        for (id, special) in matched {
            var next: [Fragment] = []
            for f in fragments {
                guard case let .text(t) = f else { next.append(f); continue }
                var rest = Substring(t)
                while let r = rest.range(of: special) {
                    if r.lowerBound > rest.startIndex { next.append(.text(String(rest[..<r.lowerBound]))) }
                    next.append(.special(id))
                    rest = rest[r.upperBound...]
                }
                if !rest.isEmpty { next.append(.text(String(rest))) }
            }
            fragments = next
        }
        return fragments
    }

    /// BPE inside one pre-tokenized piece: merge the adjacent pair of lowest rank (leftmost on a
    /// tie) until none is in the merge list; a symbol not in the vocabulary becomes the tokens of
    /// its single characters, skipping any the vocabulary lacks (as llama.cpp does).
    private func bpe(_ piece: String) -> [Int] {
        let encoded = ByteLevel.encode(piece.utf8)
        if let id = ids[encoded] { return [id] }
        var symbols = encoded.unicodeScalars.map { String($0) }
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for i in 0..<(symbols.count - 1) {
                if let r = ranks[symbols[i] + " " + symbols[i + 1]], best == nil || r < best!.rank { best = (r, i) }
            }
            guard let (_, i) = best else { break }
            symbols[i] += symbols[i + 1]
            symbols.remove(at: i + 1)
        }
        var out: [Int] = []
        for s in symbols {
            if let id = ids[s] {
                out.append(id)
            } else {
                for c in s.unicodeScalars { if let id = ids[String(c)] { out.append(id) } }
            }
        }
        return out
    }
}

extension BPETokenizer {
    /// A token's text for showing to people: control characters escaped (`\n`, `\t`), bytes that
    /// are not whole UTF-8 characters as `<0xE2>`, the piece quoted when it has edge spaces.
    public func displayPiece(_ id: Int) -> String {
        guard id >= 0, id < tokens.count else { return "<\(id)?>" }
        let raw = bytes(of: id)
        guard let text = String(validating: raw, as: UTF8.self) else {
            return raw.map { String(format: "<0x%02X>", $0) }.joined()
        }
        var shown = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": shown += "\\n"
            case "\t": shown += "\\t"
            case "\r": shown += "\\r"
            default: shown += scalar.properties.generalCategory == .control ? String(format: "\\u{%X}", scalar.value) : String(scalar)
            }
        }
        return shown.first == " " || shown.last == " " ? "\"\(shown)\"" : shown
    }
}

extension BPETokenizer {
    /// Texts of control tokens that end a generation, as llama.cpp recognises them (end of text,
    /// end of turn, and the fill-in-the-middle repository/separator markers some vocabularies reuse).
    static let endOfGenerationTexts: Set<String> = [
        "<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>",
        "<|end_of_text|>", "<EOT>", "</s>", "<|return|>", "<|call|>", "<reponame>", "<|repo_name|>",
    ]

    /// Ids that stop generation: the EOS id plus the control tokens above (SmolLM2: 0, 2, 4 — the
    /// same set llama.cpp uses).
    public var endOfGeneration: Set<Int> {
        var ids = Set(specialTokens.filter { Self.endOfGenerationTexts.contains($0.text) }.map(\.id))
        if let eos { ids.insert(eos) }
        return ids
    }
}
