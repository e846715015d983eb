/// A recursive-descent reader of one TOML 1.0 document over its UTF-8 bytes (already validated).
/// This file reads the document's statements (key/value pairs, `[table]` and `[[array]]` headers)
/// and applies TOML's redefinition rules; values, strings, numbers and dates have files of their own.
///
/// The rules follow the spec as Python's `tomllib` reads it (the test fixtures come from it): a
/// table is defined once, by a header or by dotted keys; dotted keys may reopen a table they created
/// only within the same section; inline tables and arrays are closed once written.
struct TOMLParser {
    let bytes: [UInt8]
    var pos = 0
    private let root = TOMLTableNode()
    /// The table the last header opened, and how deep it sits.
    private var current: TOMLTableNode
    private var currentDepth = 0
    /// Tables dotted keys created or entered in this section: defined once the next header comes.
    private var dottedInSection: [TOMLTableNode] = []

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        current = root
    }

    // MARK: Bytes

    var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    func peek(_ offset: Int) -> UInt8? { pos + offset < bytes.count ? bytes[pos + offset] : nil }

    /// Whether `text` (ASCII) starts here.
    func starts(with text: StaticString) -> Bool { word(text, at: 0) }

    func error(_ message: String, at offset: Int? = nil) -> TOMLError {
        TOMLError(message, at: offset ?? pos, in: bytes)
    }

    /// What the byte at the current position is, for messages: `'x'`, `a newline`, `the end of the document`.
    var found: String {
        switch peek {
        case nil: "the end of the document"
        case UInt8(ascii: "\n")?: "a newline"
        case UInt8(ascii: "\r")?: atNewline ? "a newline" : "a carriage return (CR) without a line feed"
        case let b? where b >= 0x21 && b < 0x7F: "'\(Character(Unicode.Scalar(b)))'"
        case let b? where b < 0x80: "character U+\(hex(b))"
        default: "a non-ASCII character"
        }
    }

    func hex(_ b: UInt8) -> String {
        let digits = String(b, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// Spaces and tabs.
    mutating func skipWhitespace() {
        while let b = peek, b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { pos += 1 }
    }

    /// A newline (LF or CRLF) at the current position, consumed.
    mutating func skipNewline() -> Bool {
        if peek == UInt8(ascii: "\n") { pos += 1; return true }
        if peek == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { pos += 2; return true }
        return false
    }

    var atNewline: Bool {
        peek == UInt8(ascii: "\n") || (peek == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n"))
    }

    /// A comment from `#` to the end of its line, which may hold any character but controls (tab aside).
    mutating func skipComment() throws(TOMLError) {
        guard peek == UInt8(ascii: "#") else { return }
        pos += 1
        while let b = peek, !atNewline {
            if isControl(b) { throw error("control character U+\(hex(b)) in a comment") }
            pos += 1
        }
    }

    /// ASCII controls but tab: not allowed raw in comments and strings.
    func isControl(_ b: UInt8) -> Bool { (b < 0x20 && b != UInt8(ascii: "\t")) || b == 0x7F }

    // MARK: Statements

    /// The whole document: one statement per line.
    mutating func document() throws(TOMLError) -> TOMLValue {
        while true {
            skipWhitespace()
            guard let b = peek else { break }
            if skipNewline() { continue }
            if isBareKeyByte(b) || b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                try keyValueStatement()
            } else if b == UInt8(ascii: "[") {
                for table in dottedInSection { table.isDefined = true }
                dottedInSection = []
                if peek(1) == UInt8(ascii: "[") { try arrayTableHeader() } else { try tableHeader() }
            } else if b != UInt8(ascii: "#") {
                throw error("expected a key, a [table] header, a comment or the end of the line; found \(found)")
            }
            skipWhitespace()
            try skipComment()
            guard peek != nil else { break }
            guard skipNewline() else {
                throw error("expected a newline or the end of the document after a statement; found \(found)")
            }
        }
        return root.value
    }

    /// `a.b.c = value` in the current section.
    mutating func keyValueStatement() throws(TOMLError) {
        let start = pos
        let key = try dottedKey(depth: currentDepth)
        try expectEquals()
        let value = try self.value(depth: currentDepth + key.count)
        var table = current
        for (i, part) in key.dropLast().enumerated() {
            switch table[part] {
            case nil:
                let created = TOMLTableNode()
                table[part] = .table(created)
                table = created
            case let .table(existing)?:
                if existing.isDefined {
                    throw error("cannot add to table '\(path(key.prefix(i + 1)))' with a dotted key: it is already defined", at: start)
                }
                table = existing
            case .tables?:
                throw error("cannot add to '\(path(key.prefix(i + 1)))' with a dotted key: it is an array of tables", at: start)
            case .value?:
                throw error("cannot add to '\(path(key.prefix(i + 1)))': it is already a value (inline tables and arrays cannot be extended)", at: start)
            }
            dottedInSection.append(table)
        }
        try define(key, value, in: table, at: start)
    }

    /// `key = ` up to the value.
    mutating func expectEquals() throws(TOMLError) {
        guard peek == UInt8(ascii: "=") else { throw error("expected '=' after the key; found \(found)") }
        pos += 1
        skipWhitespace()
    }

    /// The last part of `key` set to `value` in `table`, which must not hold it yet.
    func define(_ key: [String], _ value: TOMLValue, in table: TOMLTableNode, at start: Int) throws(TOMLError) {
        guard let last = key.last else { return }
        guard table[last] == nil else { throw error("key '\(path(key))' is defined twice", at: start) }
        table[last] = .value(value)
    }

    /// `[a.b]`: opens a table, defined here for the first time.
    mutating func tableHeader() throws(TOMLError) {
        let start = pos
        pos += 1
        skipWhitespace()
        let key = try dottedKey(depth: 0)
        guard peek == UInt8(ascii: "]") else { throw error("expected ']' to end the table header; found \(found)") }
        pos += 1
        let parent = try parentTable(of: key, at: start)
        guard let last = key.last else { return }
        switch parent[last] {
        case nil:
            let table = TOMLTableNode(isDefined: true)
            parent[last] = .table(table)
            current = table
        case let .table(table)?:
            if table.isDefined { throw error("table [\(path(key))] is defined twice", at: start) }
            table.isDefined = true
            current = table
        case .tables?:
            throw error("[\(path(key))] is an array of tables; add to it with [[\(path(key))]]", at: start)
        case .value?:
            throw error("cannot define table [\(path(key))]: the key already holds a value", at: start)
        }
        currentDepth = key.count
    }

    /// `[[a.b]]`: a new table at the end of an array of tables.
    mutating func arrayTableHeader() throws(TOMLError) {
        let start = pos
        pos += 2
        skipWhitespace()
        let key = try dottedKey(depth: 0)
        guard peek == UInt8(ascii: "]"), peek(1) == UInt8(ascii: "]") else {
            throw error("expected ']]' to end the array-of-tables header; found \(found)")
        }
        pos += 2
        let parent = try parentTable(of: key, at: start)
        guard let last = key.last else { return }
        let table = TOMLTableNode(isDefined: true)
        switch parent[last] {
        case nil: parent[last] = .tables(TOMLTableArray(table))
        case let .tables(list)?: list.append(table)
        case .table?: throw error("cannot make '\(path(key))' an array of tables: it is already a table", at: start)
        case .value?: throw error("cannot make '\(path(key))' an array of tables: the key already holds a value", at: start)
        }
        current = table
        currentDepth = key.count
    }

    /// The table a header's last key goes into, creating the tables on the way (not yet defined);
    /// an array of tables on the way stands for its last table.
    func parentTable(of key: [String], at start: Int) throws(TOMLError) -> TOMLTableNode {
        var table = root
        for (i, part) in key.dropLast().enumerated() {
            switch table[part] {
            case nil:
                let created = TOMLTableNode()
                table[part] = .table(created)
                table = created
            case let .table(existing)?: table = existing
            case let .tables(list)?: table = list.last
            case .value?:
                throw error("cannot open [\(path(key))]: '\(path(key.prefix(i + 1)))' already holds a value (inline tables and arrays cannot be extended)", at: start)
            }
        }
        return table
    }

    // MARK: Keys

    func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    /// `a`, `"a b"`, `'c'`, `a . "b" . c`, and the whitespace after it. Its parts and `depth` (how
    /// deep its table sits) together stay within ``TOML/maximumDepth``.
    mutating func dottedKey(depth: Int) throws(TOMLError) -> [String] {
        var parts = [try keyPart()]
        skipWhitespace()
        while peek == UInt8(ascii: ".") {
            pos += 1
            skipWhitespace()
            parts.append(try keyPart())
            skipWhitespace()
        }
        guard depth + parts.count <= TOML.maximumDepth else {
            throw error("nesting deeper than \(TOML.maximumDepth) levels")
        }
        return parts
    }

    mutating func keyPart() throws(TOMLError) -> String {
        let start = pos
        while let b = peek, isBareKeyByte(b) { pos += 1 }
        if pos > start { return String(decoding: bytes[start..<pos], as: UTF8.self) }
        switch peek {
        case UInt8(ascii: "\"")?:
            if starts(with: "\"\"\"") { throw error("a key cannot be a multi-line string") }
            return try basicString()
        case UInt8(ascii: "'")?:
            if starts(with: "'''") { throw error("a key cannot be a multi-line string") }
            return try literalString()
        default:
            throw error("expected a key (bare: A-Z a-z 0-9 _ -, or quoted); found \(found)")
        }
    }

    func path(_ key: some Collection<String>) -> String {
        key.map { part in
            !part.isEmpty && part.utf8.allSatisfy(isBareKeyByte) ? part : TOML.quoted(part)
        }.joined(separator: ".")
    }
}
