/// Loupe's strict TOML 1.0 reader: UTF-8 text in, a table of ``TOMLValue``s in document order out,
/// or a ``TOMLError`` naming the line, the column and what was expected. It never traps, whatever
/// the bytes: sizes and nesting are limited, integers that overflow 64 bits are errors.
///
/// ```swift
/// let root = try TOML.parse("[train]\nlr = 0.01\nepochs = 3 # a comment\n")
/// print(root["train"]?["lr"] ?? .float(.nan))   // float(0.01)
/// ```
public enum TOML {
    /// The deepest a value may sit: table headers, dotted keys, arrays and inline tables together.
    /// Deeper documents are errors, so nothing like `a = [[[[…` can exhaust the stack.
    public static let maximumDepth = 128

    /// The largest document read, in bytes (a run file is a few KB).
    public static let maximumSize = 16 << 20

    /// The document's root table.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLValue {
        try parse(Array(text.utf8))
    }

    /// The document's root table, from bytes that must be UTF-8.
    public static func parse(_ bytes: [UInt8]) throws(TOMLError) -> TOMLValue {
        guard bytes.count <= maximumSize else {
            throw TOMLError(line: 1, column: 1, message: "the document is \(bytes.count) bytes; at most \(maximumSize) are read")
        }
        if let bad = firstInvalidUTF8(bytes) { throw TOMLError("invalid UTF-8", at: bad, in: bytes) }
        var parser = TOMLParser(bytes)
        return try parser.document()
    }

    /// The offset of the first byte that does not belong to well-formed UTF-8 (no overlong forms, no
    /// surrogates, nothing above U+10FFFF), or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int, low: UInt8, high: UInt8  // the range of the second byte
            switch b {
            case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
            case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
            case 0xED: (length, low, high) = (3, 0x80, 0x9F)
            case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
            case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
            case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
            default: return i
            }
            guard bytes.count - i >= length, (low...high).contains(bytes[i + 1]) else { return i }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }
}
