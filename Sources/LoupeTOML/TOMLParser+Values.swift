/// Values: which kind starts here, then arrays and inline tables (strings, numbers and dates have
/// files of their own).
extension TOMLParser {
    /// The value at the current position. `depth` is how deep it sits; arrays and inline tables
    /// inside it go one deeper, up to ``TOML/maximumDepth``.
    mutating func value(depth: Int) throws(TOMLError) -> TOMLValue {
        guard let b = peek else { throw error("expected a value; found the end of the document") }
        switch b {
        case UInt8(ascii: "\""):
            return .string(starts(with: "\"\"\"") ? try multilineBasicString() : try basicString())
        case UInt8(ascii: "'"):
            return .string(starts(with: "'''") ? try multilineLiteralString() : try literalString())
        case UInt8(ascii: "t") where starts(with: "true"):
            pos += 4
            return .boolean(true)
        case UInt8(ascii: "f") where starts(with: "false"):
            pos += 5
            return .boolean(false)
        case UInt8(ascii: "["):
            return try array(depth: depth + 1)
        case UInt8(ascii: "{"):
            return try inlineTable(depth: depth + 1)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            if looksLikeDateOrTime { return try dateOrTime() }
            return try number()
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "i"), UInt8(ascii: "n"):
            return try number()
        default:
            throw error("expected a value (a string, number, boolean, date, array or inline table); found \(found)")
        }
    }

    /// `[1, 2, 3,]`: any values, newlines and comments between them, a trailing comma allowed.
    mutating func array(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= TOML.maximumDepth else { throw error("nesting deeper than \(TOML.maximumDepth) levels") }
        pos += 1
        var items: [TOMLValue] = []
        try skipArraySpace()
        while peek != UInt8(ascii: "]") {
            items.append(try value(depth: depth))
            try skipArraySpace()
            if peek == UInt8(ascii: ",") {
                pos += 1
                try skipArraySpace()
            } else if peek != UInt8(ascii: "]") {
                throw error("expected ',' or ']' in the array; found \(found)")
            }
        }
        pos += 1
        return .array(items)
    }

    /// Whitespace, newlines and comments, as arrays allow between their values.
    mutating func skipArraySpace() throws(TOMLError) {
        while true {
            skipWhitespace()
            if skipNewline() { continue }
            guard peek == UInt8(ascii: "#") else { return }
            try skipComment()
        }
    }

    /// `{ a = 1, b.c = 2 }`: on one line, no trailing comma; closed once written.
    mutating func inlineTable(depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= TOML.maximumDepth else { throw error("nesting deeper than \(TOML.maximumDepth) levels") }
        pos += 1
        let table = TOMLTableNode()
        skipWhitespace()
        if peek == UInt8(ascii: "}") {
            pos += 1
            return table.value
        }
        while true {
            if atNewline || peek == UInt8(ascii: "\r") { throw error("an inline table must be on one line") }
            let start = pos
            let key = try dottedKey(depth: depth - 1)
            try expectEquals()
            let value = try self.value(depth: depth - 1 + key.count)
            var parent = table
            for (i, part) in key.dropLast().enumerated() {
                switch parent[part] {
                case nil:
                    let created = TOMLTableNode()
                    parent[part] = .table(created)
                    parent = created
                case let .table(existing)?:
                    parent = existing
                case .tables?, .value?:
                    throw error("cannot add to '\(path(key.prefix(i + 1)))': it is already a value (inline tables and arrays cannot be extended)", at: start)
                }
            }
            try define(key, value, in: parent, at: start)
            skipWhitespace()
            switch peek {
            case UInt8(ascii: "}")?:
                pos += 1
                return table.value
            case UInt8(ascii: ",")?:
                pos += 1
                skipWhitespace()
                if peek == UInt8(ascii: "}") { throw error("an inline table cannot end with a comma") }
            default:
                throw error("expected ',' or '}' in the inline table; found \(found)")
            }
        }
    }
}
