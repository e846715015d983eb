import Foundation
import LoupeTOML
import Testing

/// Every document of Fixtures/toml_documents.json, made by scripts/fixtures/make_toml_fixtures.py
/// with Python's `tomllib`: LoupeTOML must read each valid one as tomllib did (types, values, key
/// order) and refuse each invalid one with a TOMLError.
struct TOMLConformanceTests {
    struct Document: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let toml: String
        let expected: Expected
        /// Why Loupe refuses a document tomllib accepts (64-bit integers, the nesting limit).
        let limit: String?
        var testDescription: String { name }

        enum CodingKeys: String, CodingKey { case name, toml, expected, limit = "loupe_limit" }
    }

    /// "invalid", or a typed value ({"type", "value"}).
    enum Expected: Decodable, Sendable {
        case invalid
        case value(Typed)

        init(from decoder: Decoder) throws {
            let single = try decoder.singleValueContainer()
            if let text = try? single.decode(String.self), text == "invalid" { self = .invalid } else { self = .value(try single.decode(Typed.self)) }
        }
    }

    struct Typed: Decodable, Sendable {
        let type: String
        let scalar: String?
        let bool: Bool?
        let items: [Typed]?
        let entries: [(String, Typed)]?

        enum Keys: String, CodingKey { case type, value }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            type = try c.decode(String.self, forKey: .type)
            var scalar: String?, bool: Bool?, items: [Typed]?, entries: [(String, Typed)]?
            switch type {
            case "boolean": bool = try c.decode(Bool.self, forKey: .value)
            case "array": items = try c.decode([Typed].self, forKey: .value)
            case "table":
                var list = try c.nestedUnkeyedContainer(forKey: .value)
                var pairs: [(String, Typed)] = []
                while !list.isAtEnd {
                    var pair = try list.nestedUnkeyedContainer()
                    pairs.append((try pair.decode(String.self), try pair.decode(Typed.self)))
                }
                entries = pairs
            default: scalar = try c.decode(String.self, forKey: .value)
            }
            (self.scalar, self.bool, self.items, self.entries) = (scalar, bool, items, entries)
        }
    }

    static let documents: [Document] = {
        guard let url = Bundle.module.url(forResource: "toml_documents", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url),
              let documents = try? JSONDecoder().decode([Document].self, from: data)
        else { return [] }
        return documents
    }()

    @Test func theFixtureIsThere() {
        #expect(Self.documents.count > 150)
    }

    @Test(arguments: documents) func readsAsTomllibDoes(_ document: Document) {
        let result = Result { () throws(TOMLError) in try TOML.parse(document.toml) }
        switch (document.expected, result) {
        case (.invalid, .failure(let error)):
            #expect(error.line >= 1 && error.column >= 1 && !error.message.isEmpty)
        case (.invalid, .success(let value)):
            Issue.record("\(document.name): accepted an invalid document as \(value)")
        case (.value, .failure(let error)):
            Issue.record("\(document.name): refused a valid document: \(error)")
        case let (.value(expected), .success(value)):
            if let mismatch = Self.mismatch(value, expected, at: "") { Issue.record("\(document.name): \(mismatch)") }
        }
    }

    /// Nil when `value` is what tomllib read, else where and how they differ.
    static func mismatch(_ value: TOMLValue, _ expected: Typed, at path: String) -> String? {
        let here = path.isEmpty ? "the root" : path
        switch (value, expected.type) {
        case let (.string(s), "string"):
            return s == expected.scalar ? nil : "\(here): \(s.debugDescription) ≠ \(expected.scalar.debugDescription)"
        case let (.integer(i), "integer"):
            return "\(i)" == expected.scalar ? nil : "\(here): \(i) ≠ \(expected.scalar ?? "-")"
        case let (.float(d), "float"):
            guard let e = expected.scalar.flatMap(Double.init) else { return "\(here): bad fixture float" }
            return (d.isNaN && e.isNaN) || d.bitPattern == e.bitPattern ? nil : "\(here): \(d) ≠ \(e)"
        case let (.boolean(b), "boolean"):
            return b == expected.bool ? nil : "\(here): \(b) ≠ \(expected.bool.map(String.init) ?? "-")"
        case let (.offsetDateTime(t), "offset-datetime"), let (.localDateTime(t), "local-datetime"),
             let (.localDate(t), "local-date"), let (.localTime(t), "local-time"):
            return isoformat(t) == expected.scalar ? nil : "\(here): \(t) (\(isoformat(t))) ≠ \(expected.scalar ?? "-")"
        case let (.array(items), "array"):
            guard let e = expected.items, e.count == items.count else { return "\(here): \(items.count) items ≠ \(expected.items?.count ?? -1)" }
            return zip(items, e).enumerated().lazy.compactMap { mismatch($1.0, $1.1, at: "\(path)[\($0)]") }.first
        case let (.table(entries), "table"):
            guard let e = expected.entries else { return "\(here): bad fixture table" }
            let keys = entries.map(\.key), expectedKeys = e.map(\.0)
            guard keys == expectedKeys else { return "\(here): keys \(keys) ≠ \(expectedKeys)" }
            return zip(entries, e).lazy.compactMap { mismatch($0.value, $1.1, at: path.isEmpty ? $0.key : "\(path).\($0.key)") }.first
        default:
            return "\(here): \(value) is not a \(expected.type)"
        }
    }

    /// A date or time as written, in Python's `isoformat()`: `T` between date and time, the fraction
    /// as microseconds (none when zero), `Z` and `-00:00` as `+00:00`.
    static func isoformat(_ text: String) -> String {
        var t = text.replacingOccurrences(of: " ", with: "T").replacingOccurrences(of: "t", with: "T")
        if t.hasSuffix("Z") || t.hasSuffix("z") { t = String(t.dropLast()) + "+00:00" }
        if t.hasSuffix("-00:00") { t = String(t.dropLast(6)) + "+00:00" }
        guard let dot = t.firstIndex(of: ".") else { return t }
        let digitsEnd = t[t.index(after: dot)...].firstIndex { !$0.isNumber } ?? t.endIndex
        let digits = String(t[t.index(after: dot)..<digitsEnd].prefix(6))
        let micro = digits + String(repeating: "0", count: 6 - digits.count)
        return String(t[..<dot]) + (micro == "000000" ? "" : "." + micro) + t[digitsEnd...]
    }
}
