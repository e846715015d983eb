import Foundation

/// `POST /v1/predict`: `{"inputs": [example, …]}` or `{"input": example}`, an example being the
/// model's input as numbers — flat, or nested in the input's shape (`[[…], …]` for an image).
/// Every example must hold exactly the model's input size of finite numbers.
///
/// Read by its own small JSON reader rather than `JSONSerialization`: a batch of 64 digit images is
/// 4,096 numbers, and boxing each as an `NSNumber` cost more than running the model on all of them.
/// The reader is strict JSON (RFC 8259: no trailing commas, no comments, no leading zeros, strings
/// with escapes checked), nested at most 8 deep; fields other than `input`/`inputs` are skipped.
public struct PredictRequest: Sendable, Equatable {
    /// The examples, each flattened.
    public var examples: [[Float]]
    /// Whether the request sent one example (`input`): the reply then has one prediction, not a list.
    public var single: Bool

    /// Reads a body for a model whose examples hold `size` numbers, at most `maxExamples` of them.
    public static func read(_ body: Data, size: Int, maxExamples: Int) throws(APIError) -> PredictRequest {
        guard !body.isEmpty else { throw .invalid(nil, "the request has no body; send {\"inputs\": [[…], …]}") }
        let result = body.withUnsafeBytes { raw -> Result<PredictRequest, APIError> in
            var reader = Reader(bytes: raw.bindMemory(to: UInt8.self), size: size, maxExamples: maxExamples)
            do throws(APIError) { return .success(try reader.request()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// A strict JSON reader specialised for this body.
    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let size: Int
        let maxExamples: Int
        var at = 0

        init(bytes: UnsafeBufferPointer<UInt8>, size: Int, maxExamples: Int) {
            (self.bytes, self.size, self.maxExamples) = (bytes, size, maxExamples)
        }

        func fail(_ what: String) -> APIError { .invalid(nil, "the body is not valid JSON: \(what) at byte \(at)") }

        mutating func request() throws(APIError) -> PredictRequest {
            skipSpace()
            guard peek() == UInt8(ascii: "{") else {
                if at < bytes.count, [UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "-")].contains(bytes[at])
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) {
                    try skipValue(depth: 0)
                    skipSpace()
                    guard at == bytes.count else { throw fail("more after the value") }
                    throw .invalid(nil, "the body must be a JSON object with 'inputs' or 'input'")
                }
                throw fail("expected an object")
            }
            at += 1
            var result: PredictRequest?
            var first = true
            while true {
                skipSpace()
                if peek() == UInt8(ascii: "}") { at += 1; break }
                if !first {
                    guard peek() == UInt8(ascii: ",") else { throw fail("expected ',' or '}'") }
                    at += 1
                    skipSpace()
                }
                first = false
                let key = try string()
                skipSpace()
                guard peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
                at += 1
                skipSpace()
                switch key {
                case "input" where result?.single != true:
                    let example = try self.example(param: "input")
                    if result == nil { result = PredictRequest(examples: [example], single: true) }
                case "inputs" where result == nil:
                    result = PredictRequest(examples: try examples(), single: false)
                default:
                    try skipValue(depth: 1)
                }
            }
            skipSpace()
            guard at == bytes.count else { throw fail("more after the object") }
            guard let result else { throw .invalid("inputs", "send 'inputs': a list of examples (or 'input': one example)") }
            return result
        }

        /// `[example, …]`.
        mutating func examples() throws(APIError) -> [[Float]] {
            guard peek() == UInt8(ascii: "[") else {
                try skipValue(depth: 1)
                throw .invalid("inputs", "'inputs' must be a list of examples")
            }
            at += 1
            var list: [[Float]] = []
            skipSpace()
            if peek() == UInt8(ascii: "]") {
                throw .invalid("inputs", "'inputs' is empty")
            }
            while true {
                skipSpace()
                guard list.count < maxExamples else { throw .invalid("inputs", "'inputs' holds more than \(maxExamples) examples; at most \(maxExamples) per request") }
                list.append(try example(param: "inputs[\(list.count)]"))
                skipSpace()
                if peek() == UInt8(ascii: ",") { at += 1; continue }
                guard peek() == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                at += 1
                return list
            }
        }

        /// One example: numbers, possibly nested in lists, exactly `size` of them.
        mutating func example(param: String) throws(APIError) -> [Float] {
            var values: [Float] = []
            values.reserveCapacity(size)
            try numbers(into: &values, param: param, depth: 0)
            guard values.count == size else { throw .invalid(param, "'\(param)' holds \(values.count) numbers; the model takes \(size) per example") }
            return values
        }

        mutating func numbers(into values: inout [Float], param: String, depth: Int) throws(APIError) {
            guard depth < 8 else { throw .invalid(param, "'\(param)' is nested deeper than any model input") }
            guard let c = peek() else { throw fail("unexpected end") }
            if c == UInt8(ascii: "[") {
                at += 1
                skipSpace()
                if peek() == UInt8(ascii: "]") { at += 1; return }
                while true {
                    skipSpace()
                    try numbers(into: &values, param: param, depth: depth + 1)
                    skipSpace()
                    if peek() == UInt8(ascii: ",") { at += 1; continue }
                    guard peek() == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                    at += 1
                    return
                }
            }
            guard c == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) else {
                try skipValue(depth: depth + 1)
                throw .invalid(param, "'\(param)' must hold numbers (nested lists of numbers for a shaped input)")
            }
            let value = try number()
            let float = Float(value)
            guard float.isFinite else { throw .invalid(param, "'\(param)' holds \(value), not a finite 32-bit number") }
            guard values.count < size else { throw .invalid(param, "'\(param)' holds more than \(size) numbers; the model takes \(size) per example") }
            values.append(float)
        }

        /// A JSON number (RFC 8259's grammar), converted with strtod.
        mutating func number() throws(APIError) -> Double {
            let start = at
            if peek() == UInt8(ascii: "-") { at += 1 }
            guard let d = peek(), isDigit(d) else { throw fail("expected a digit") }
            if d == UInt8(ascii: "0") { at += 1 } else { while let c = peek(), isDigit(c) { at += 1 } }
            if peek() == UInt8(ascii: ".") {
                at += 1
                guard let c = peek(), isDigit(c) else { throw fail("expected a digit after '.'") }
                while let c = peek(), isDigit(c) { at += 1 }
            }
            if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
                at += 1
                if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { at += 1 }
                guard let c = peek(), isDigit(c) else { throw fail("expected an exponent") }
                while let c = peek(), isDigit(c) { at += 1 }
            }
            // At most a few hundred bytes: copied, terminated, converted.
            let length = at - start
            guard length <= 400 else { throw fail("a number of \(length) characters") }
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
                for i in 0..<length { text[i] = CChar(bitPattern: bytes[start + i]) }
                text[length] = 0
                return strtod(text.baseAddress!, nil)
            }
        }

        /// A JSON string (escapes checked, `\u` pairs decoded); keys only, so short.
        mutating func string() throws(APIError) -> String {
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
            at += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            while true {
                guard let c = peek() else { throw fail("unterminated string") }
                at += 1
                if c == UInt8(ascii: "\"") { break }
                guard c >= 0x20 else { throw fail("a control character in a string") }
                if c != UInt8(ascii: "\\") { raw.append(c); continue }
                if !raw.isEmpty {
                    guard let text = String(validating: raw, as: UTF8.self) else { throw fail("invalid UTF-8") }
                    scalars.append(contentsOf: text.unicodeScalars)
                    raw = []
                }
                guard let e = peek() else { throw fail("unterminated escape") }
                at += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{c}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard peek() == UInt8(ascii: "\\"), at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") else { throw fail("a lone surrogate") }
                        at += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("a lone surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw fail("a lone surrogate") }
                    scalars.append(scalar)
                default: throw fail("an unknown escape")
                }
                guard scalars.count <= 1024 else { throw fail("a key longer than 1,024 characters") }
            }
            if !raw.isEmpty {
                guard let text = String(validating: raw, as: UTF8.self) else { throw fail("invalid UTF-8") }
                scalars.append(contentsOf: text.unicodeScalars)
            }
            return String(scalars)
        }

        mutating func hex4() throws(APIError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let c = peek() else { throw fail("unterminated escape") }
                at += 1
                let digit: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
                default: throw fail("a bad \\u escape")
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        /// Any JSON value, checked and passed over.
        mutating func skipValue(depth: Int) throws(APIError) {
            guard depth < 64 else { throw fail("nesting deeper than 64") }
            skipSpace()
            guard let c = peek() else { throw fail("unexpected end") }
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                at += 1
                skipSpace()
                if peek() == close { at += 1; return }
                while true {
                    skipSpace()
                    if c == UInt8(ascii: "{") {
                        _ = try string()
                        skipSpace()
                        guard peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
                        at += 1
                    }
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    if peek() == UInt8(ascii: ",") { at += 1; continue }
                    guard peek() == close else { throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
                    at += 1
                    return
                }
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: _ = try number()
            }
        }

        mutating func literal(_ word: String) throws(APIError) {
            for expected in word.utf8 {
                guard peek() == expected else { throw fail("expected \(word)") }
                at += 1
            }
        }

        func peek() -> UInt8? { at < bytes.count ? bytes[at] : nil }
        func isDigit(_ c: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }
    }
}
