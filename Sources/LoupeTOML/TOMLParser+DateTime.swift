/// Dates and times (RFC 3339 as TOML 1.0 takes it): `1979-05-27`, `07:32:00.5`,
/// `1979-05-27T07:32:00`, `1979-05-27 07:32:00-07:00`, `…Z`. Each is checked (a real day of its
/// month, seconds 00-59, offsets within a day) and kept as its text.
extension TOMLParser {
    /// `DDDD-` or `DD:` at the current position.
    var looksLikeDateOrTime: Bool {
        let d = digit(at:)
        return (d(0) && d(1) && d(2) && d(3) && peek(4) == UInt8(ascii: "-")) || (d(0) && d(1) && peek(2) == UInt8(ascii: ":"))
    }

    func digit(at offset: Int) -> Bool { peek(offset).map(isDecimal) ?? false }

    mutating func dateOrTime() throws(TOMLError) -> TOMLValue {
        let start = pos
        let text = { (p: TOMLParser) in String(decoding: p.bytes[start..<p.pos], as: UTF8.self) }
        if peek(2) == UInt8(ascii: ":") {
            try time()
            return .localTime(text(self))
        }
        try date()
        guard peek == UInt8(ascii: "T") || peek == UInt8(ascii: "t")
            || (peek == UInt8(ascii: " ") && digit(at: 1) && digit(at: 2) && peek(3) == UInt8(ascii: ":"))
        else { return .localDate(text(self)) }
        pos += 1
        try time()
        if peek == UInt8(ascii: "Z") || peek == UInt8(ascii: "z") {
            pos += 1
            return .offsetDateTime(text(self))
        }
        guard peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") else { return .localDateTime(text(self)) }
        pos += 1
        _ = try twoDigits(0...23, "offset hours")
        try expect(":", "between the offset's hours and minutes")
        _ = try twoDigits(0...59, "offset minutes")
        return .offsetDateTime(text(self))
    }

    /// `YYYY-MM-DD`, a day that exists (years 0001 to 9999).
    mutating func date() throws(TOMLError) {
        let start = pos
        guard let high = try? twoDigits(0...99, "year"), let low = try? twoDigits(0...99, "year") else {
            throw error("expected a four-digit year", at: start)
        }
        let year = high * 100 + low
        try expect("-", "after the year")
        let month = try twoDigits(1...12, "month")
        try expect("-", "after the month")
        let dayStart = pos
        let day = try twoDigits(1...31, "day")
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard year >= 1 else { throw error("year 0000 is not a date", at: start) }
        guard day <= days else { throw error("day \(day) does not exist in month \(month) of \(year)", at: dayStart) }
    }

    /// `HH:MM:SS` with an optional fraction of a second.
    mutating func time() throws(TOMLError) {
        _ = try twoDigits(0...23, "hour")
        try expect(":", "after the hour")
        _ = try twoDigits(0...59, "minute")
        try expect(":", "after the minutes (seconds are required)")
        _ = try twoDigits(0...59, "second")
        guard peek == UInt8(ascii: ".") else { return }
        pos += 1
        guard let b = peek, isDecimal(b) else { throw error("expected a digit after the seconds' '.'; found \(found)") }
        while let b = peek, isDecimal(b) { pos += 1 }
    }

    mutating func twoDigits(_ range: ClosedRange<Int>, _ what: String) throws(TOMLError) -> Int {
        guard let a = peek, isDecimal(a), let b = peek(1), isDecimal(b) else {
            throw error("expected two digits of the \(what); found \(found)")
        }
        let value = Int(a - UInt8(ascii: "0")) * 10 + Int(b - UInt8(ascii: "0"))
        guard range.contains(value) else {
            throw error("\(what) \(value) is out of range (\(range.lowerBound) to \(range.upperBound))")
        }
        pos += 2
        return value
    }

    mutating func expect(_ c: Unicode.Scalar, _ context: String) throws(TOMLError) {
        guard peek == UInt8(ascii: c) else { throw error("expected '\(c)' \(context); found \(found)") }
        pos += 1
    }
}
