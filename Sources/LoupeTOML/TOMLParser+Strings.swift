/// The four kinds of strings: basic `"…"` (escapes), literal `'…'` (none), and their multi-line
/// forms `"""…"""` and `'''…'''`. Raw control characters other than tab are errors (newlines too,
/// except in multi-line strings, where CRLF reads as LF).
extension TOMLParser {
    /// `"…"`, the opening quote at the current position.
    mutating func basicString() throws(TOMLError) -> String {
        let start = pos
        pos += 1
        var text: [UInt8] = []
        while true {
            guard let b = peek, !atNewline else {
                throw error("unterminated string: expected '\"' before the end of the line", at: start)
            }
            if b == UInt8(ascii: "\"") { pos += 1; return String(decoding: text, as: UTF8.self) }
            if b == UInt8(ascii: "\\") { try escape(into: &text, multiline: false); continue }
            if isControl(b) { throw error("control character U+\(hex(b)) in a string: write it as an escape") }
            text.append(b)
            pos += 1
        }
    }

    /// `"""…"""`: a newline right after the opening quotes is dropped; a backslash at the end of a
    /// line drops it and the whitespace after it.
    mutating func multilineBasicString() throws(TOMLError) -> String {
        let start = pos
        pos += 3
        _ = skipNewline()
        var text: [UInt8] = []
        while true {
            guard let b = peek else { throw error("unterminated string: expected '\"\"\"'", at: start) }
            if b == UInt8(ascii: "\"") {
                if try closesMultiline(quote: b, into: &text) { return String(decoding: text, as: UTF8.self) }
            } else if b == UInt8(ascii: "\\") {
                try escape(into: &text, multiline: true)
            } else if skipNewline() {
                text.append(UInt8(ascii: "\n"))
            } else if isControl(b) {
                throw error("control character U+\(hex(b)) in a string: write it as an escape")
            } else {
                text.append(b)
                pos += 1
            }
        }
    }

    /// `'…'`, the opening quote at the current position.
    mutating func literalString() throws(TOMLError) -> String {
        let start = pos
        pos += 1
        let contentStart = pos
        while true {
            guard let b = peek, !atNewline else {
                throw error("unterminated string: expected \"'\" before the end of the line", at: start)
            }
            if b == UInt8(ascii: "'") {
                pos += 1
                return String(decoding: bytes[contentStart..<pos - 1], as: UTF8.self)
            }
            if isControl(b) { throw error("control character U+\(hex(b)) in a literal string") }
            pos += 1
        }
    }

    /// `'''…'''`: everything verbatim but a newline right after the opening quotes.
    mutating func multilineLiteralString() throws(TOMLError) -> String {
        let start = pos
        pos += 3
        _ = skipNewline()
        var text: [UInt8] = []
        while true {
            guard let b = peek else { throw error("unterminated string: expected \"'''\"", at: start) }
            if b == UInt8(ascii: "'") {
                if try closesMultiline(quote: b, into: &text) { return String(decoding: text, as: UTF8.self) }
            } else if skipNewline() {
                text.append(UInt8(ascii: "\n"))
            } else if isControl(b) {
                throw error("control character U+\(hex(b)) in a literal string")
            } else {
                text.append(b)
                pos += 1
            }
        }
    }

    /// At a run of `quote`s inside a multi-line string: three close it, and up to two more before
    /// them belong to the text (`""""` ends with one quote). Fewer than three are text.
    mutating func closesMultiline(quote: UInt8, into text: inout [UInt8]) throws(TOMLError) -> Bool {
        var run = 0
        while peek(run) == quote { run += 1 }
        if run < 3 {
            text.append(contentsOf: repeatElement(quote, count: run))
            pos += run
            return false
        }
        guard run <= 5 else { throw error("too many quotes: at most two may sit right before the closing three") }
        text.append(contentsOf: repeatElement(quote, count: run - 3))
        pos += run
        return true
    }

    /// One escape after a backslash: `\b \t \n \f \r \" \\`, `\uXXXX`, `\UXXXXXXXX`, and in
    /// multi-line strings a backslash ending its line.
    mutating func escape(into text: inout [UInt8], multiline: Bool) throws(TOMLError) {
        let start = pos
        pos += 1
        guard let b = peek else { throw error("unterminated string after '\\'") }
        let simple: UInt8? = switch b {
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "t"): 0x09
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        default: nil
        }
        if let simple {
            text.append(simple)
            pos += 1
            return
        }
        if b == UInt8(ascii: "u") || b == UInt8(ascii: "U") {
            pos += 1
            let count = b == UInt8(ascii: "u") ? 4 : 8
            var code: UInt32 = 0
            for _ in 0..<count {
                guard let d = peek.flatMap(Self.hexDigit) else {
                    throw error("expected \(count) hex digits after '\\\(Character(Unicode.Scalar(b)))'", at: start)
                }
                code = code << 4 | UInt32(d)
                pos += 1
            }
            guard let scalar = Unicode.Scalar(code) else {
                throw error("escape '\\\(Character(Unicode.Scalar(b)))' names no Unicode scalar value (a surrogate or above U+10FFFF)", at: start)
            }
            text.append(contentsOf: Array(String(scalar).utf8))
            return
        }
        if multiline, b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || atNewline {
            skipWhitespace()
            guard skipNewline() else { throw error("a line-ending backslash may be followed only by whitespace", at: start) }
            while true {
                skipWhitespace()
                if !skipNewline() { break }
            }
            return
        }
        throw error("invalid escape: expected one of \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX after '\\'; found \(found)", at: start)
    }

    static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
