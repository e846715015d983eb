/// Splits text into the pieces BPE runs inside, as llama.cpp does for the `smollm` pre-tokenizer:
/// first every number character becomes a piece of its own (`\p{N}`), then each remaining run is
/// split by GPT-2's pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`, text that no
/// alternative matches staying a piece of its own (llama.cpp keeps the gaps between matches).
enum PreTokenizer {
    struct Flags {
        let letter: Bool, number: Bool, whitespace: Bool, assigned: Bool
    }

    static func flags(_ s: Unicode.Scalar?) -> Flags {
        guard let s else { return Flags(letter: false, number: false, whitespace: false, assigned: false) }
        let category = s.properties.generalCategory
        let letter: Bool, number: Bool
        switch category {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: (letter, number) = (true, false)
        case .decimalNumber, .letterNumber, .otherNumber: (letter, number) = (false, true)
        default: (letter, number) = (false, false)
        }
        return Flags(letter: letter, number: number, whitespace: isWhitespace(s), assigned: category != .unassigned)
    }

    /// llama.cpp's whitespace set (`\s`).
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    static func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var pieces: [String] = []
        // Stage 1: each number character alone; the runs between them go to stage 2.
        var runStart = 0
        for i in 0..<scalars.count where flags(scalars[i]).number {
            if runStart < i { pieces += gpt2(scalars[runStart..<i]) }
            pieces.append(String(String.UnicodeScalarView([scalars[i]])))
            runStart = i + 1
        }
        if runStart < scalars.count { pieces += gpt2(scalars[runStart..<scalars.count]) }
        return pieces
    }

    /// llama.cpp's hand-written matcher for the GPT-2 pattern (unicode_regex_split_custom_gpt2).
    static func gpt2(_ text: ArraySlice<Unicode.Scalar>) -> [String] {
        let cpts = Array(text)
        let end = cpts.count
        func cpt(_ i: Int) -> Unicode.Scalar? { i < end ? cpts[i] : nil }
        func f(_ i: Int) -> Flags { flags(cpt(i)) }
        var pieces: [String] = []
        var start = 0, pos = 0
        func add(_ until: Int) {
            if until > start { pieces.append(String(String.UnicodeScalarView(cpts[start..<until]))) }
            start = until
        }
        while pos < end {
            let c = cpts[pos]
            if c == "'" && pos + 1 < end {
                let n1 = cpts[pos + 1]
                if n1 == "s" || n1 == "t" || n1 == "m" || n1 == "d" { pos += 2; add(pos); continue }
                if pos + 2 < end {
                    let n2 = cpts[pos + 2]
                    if (n1 == "r" && n2 == "e") || (n1 == "v" && n2 == "e") || (n1 == "l" && n2 == "l") { pos += 3; add(pos); continue }
                }
            }
            var flags2 = c == " " ? f(pos + 1) : f(pos)
            if flags2.letter {
                if c == " " { pos += 1 }
                while flags2.letter { pos += 1; flags2 = f(pos) }
                add(pos); continue
            }
            if flags2.number {
                if c == " " { pos += 1 }
                while flags2.number { pos += 1; flags2 = f(pos) }
                add(pos); continue
            }
            if !(flags2.whitespace || flags2.letter || flags2.number) && flags2.assigned {
                if c == " " { pos += 1 }
                while !(flags2.whitespace || flags2.letter || flags2.number) && flags2.assigned { pos += 1; flags2 = f(pos) }
                add(pos); continue
            }
            var spaces = 0
            while pos + spaces < end && f(pos + spaces).whitespace { spaces += 1 }
            if spaces > 1 && pos + spaces < end { pos += spaces - 1; add(pos); continue }
            if spaces > 0 { pos += spaces; add(pos); continue }
            pos += 1
            add(pos)
        }
        return pieces
    }
}
