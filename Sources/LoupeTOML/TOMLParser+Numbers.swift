/// Integers (decimal with an optional sign, `0x`/`0o`/`0b` without; `_` between digits; no leading
/// zeros; 64-bit, overflow is an error) and floats (fraction and/or exponent, `inf`, `nan`, signed).
extension TOMLParser {
    mutating func number() throws(TOMLError) -> TOMLValue {
        let start = pos
        let sign = peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") ? 1 : 0
        let negative = peek == UInt8(ascii: "-")
        if word("inf", at: sign) {
            pos += sign + 3
            return .float(negative ? -.infinity : .infinity)
        }
        if word("nan", at: sign) {
            pos += sign + 3
            return .float(negative ? -.nan : .nan)
        }
        if sign == 0, peek == UInt8(ascii: "0"), let radix = peek(1).flatMap(Self.radix) {
            return try radixInteger(radix, prefix: peek(1) ?? 0)
        }
        pos += sign
        guard let first = peek, isDecimal(first) else {
            throw error("expected a value (a string, number, boolean, date, array or inline table); found \(found)", at: start)
        }
        if first == UInt8(ascii: "0") {
            pos += 1
            if let next = peek, isDecimal(next) || next == UInt8(ascii: "_") {
                throw error("leading zeros are not allowed in a number", at: start)
            }
        } else {
            try digits(isDecimal)
        }
        var isFloat = false
        if peek == UInt8(ascii: ".") {
            pos += 1
            guard let d = peek, isDecimal(d) else { throw error("expected a digit after the decimal point; found \(found)") }
            try digits(isDecimal)
            isFloat = true
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            pos += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { pos += 1 }
            guard let d = peek, isDecimal(d) else { throw error("expected the exponent's digits; found \(found)") }
            try digits(isDecimal)
            isFloat = true
        }
        let text = String(decoding: bytes[start..<pos].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        if isFloat {
            guard let double = Double(text) else { throw error("'\(text)' is not a float", at: start) }
            return .float(double)
        }
        guard let integer = Int64(text) else {
            throw error("integer \(text) does not fit in 64 bits (\(Int64.min) to \(Int64.max))", at: start)
        }
        return .integer(integer)
    }

    /// `0x1F`, `0o17`, `0b101`: no sign, digits after the prefix.
    mutating func radixInteger(_ radix: Int, prefix: UInt8) throws(TOMLError) -> TOMLValue {
        let start = pos
        pos += 2
        let isDigit = { (b: UInt8) -> Bool in Self.hexDigit(b).map { Int($0) < radix } ?? false }
        guard let first = peek, isDigit(first) else {
            throw error("expected a digit after '0\(Character(Unicode.Scalar(prefix)))'; found \(found)")
        }
        try digits(isDigit)
        let text = String(decoding: bytes[start + 2..<pos].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        guard let integer = Int64(text, radix: radix) else {
            throw error("integer does not fit in 64 bits (at most \(Int64.max))", at: start)
        }
        return .integer(integer)
    }

    /// Digits from the current one on, single underscores allowed between two of them.
    mutating func digits(_ isDigit: (UInt8) -> Bool) throws(TOMLError) {
        pos += 1
        while true {
            if let b = peek, isDigit(b) {
                pos += 1
            } else if peek == UInt8(ascii: "_") {
                guard let next = peek(1), isDigit(next) else { throw error("'_' must sit between two digits") }
                pos += 2
            } else {
                return
            }
        }
    }

    func isDecimal(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    static func radix(_ prefix: UInt8) -> Int? {
        switch prefix {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "b"): 2
        default: nil
        }
    }

    /// Whether `text` starts `offset` bytes ahead.
    func word(_ text: StaticString, at offset: Int) -> Bool {
        let count = text.utf8CodeUnitCount
        guard bytes.count - pos - offset >= count else { return false }
        return text.withUTF8Buffer { w in (0..<count).allSatisfy { bytes[pos + offset + $0] == w[$0] } }
    }
}
