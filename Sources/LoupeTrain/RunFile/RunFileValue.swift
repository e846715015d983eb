import LoupeTOML

/// A value in a run file: what TOML and JSON have in common. The parser reads TOML into these (and
/// ``TableReader`` reads them), the writer and config.json write them, so each key of a run file is
/// read in one place and written in one place, whatever the format.
enum RunFileValue: Equatable, Sendable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([RunFileValue])
    /// A table, its keys in the order the writer lays them out.
    case table([RunFileEntry])
    /// A TOML date or time, which no key takes: its text, for the error message.
    case dateTime(String)
}

/// One `key = value` of a run file.
struct RunFileEntry: Equatable, Sendable {
    let key: String
    let value: RunFileValue

    init(_ key: String, _ value: some RunFileValueConvertible) {
        self.key = key
        self.value = value.runFileValue
    }

    /// The entry, or nil when the value is not set: TOML has no null, so an unset key is left out.
    init?(_ key: String, ifSet value: (some RunFileValueConvertible)?) {
        guard let value else { return nil }
        self.init(key, value)
    }
}

extension RunFileValue {
    /// A value as LoupeTOML parsed it: integers are 64-bit, so `Int` holds them on every platform Loupe builds for.
    init(_ toml: TOMLValue) {
        switch toml {
        case let .table(entries): self = .table(entries.map { RunFileEntry($0.key, RunFileValue($0.value)) })
        case let .array(items): self = .array(items.map(RunFileValue.init))
        case let .string(string): self = .string(string)
        case let .integer(int): self = .int(Int(int))
        case let .float(double): self = .double(double)
        case let .boolean(bool): self = .bool(bool)
        case let .offsetDateTime(text), let .localDateTime(text), let .localDate(text), let .localTime(text):
            self = .dateTime(text)
        }
    }

    /// The value as TOML, on one line, the form ``TOML/parse(_:)-(String)`` reads back as the same
    /// value. Strings go through ``TOML/quoted(_:)`` (quotes, backslashes and control characters
    /// escaped). Doubles are Swift's shortest text that reads back as the same Double, always a TOML
    /// float (a `.`, an exponent, inf or nan). Tables keep their entries' order, the order the writer
    /// lays them out in (a layer's `type` first).
    var tomlText: String {
        switch self {
        case let .string(string): TOML.quoted(string)
        case let .int(int): "\(int)"
        case let .bool(bool): "\(bool)"
        case let .double(double): "\(double)"
        case let .array(items): "[" + items.map(\.tomlText).joined(separator: ", ") + "]"
        case let .table(entries): "{ " + entries.map { "\($0.key) = \($0.value.tomlText)" }.joined(separator: ", ") + " }"
        case let .dateTime(text): text
        }
    }
}

extension RunFileValue {
    /// A number, integers included.
    var number: Double? {
        switch self {
        case let .double(d): d
        case let .int(i): Double(i)
        default: nil
        }
    }

    var int: Int? {
        if case let .int(i) = self { i } else { nil }
    }

    var string: String? {
        if case let .string(s) = self { s } else { nil }
    }
}

/// A coding key for any string: JSON objects with the run file's keys.
private struct RunFileKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// config.json: the same tree as JSON. Strings are tried before numbers so that a path such as
/// "NaN" stays a string (``LoupeJSON`` writes non-finite numbers as those strings).
extension RunFileValue: Codable {
    init(from decoder: Decoder) throws {
        if let object = try? decoder.container(keyedBy: RunFileKey.self) {
            self = .table(try object.allKeys.map { RunFileEntry($0.stringValue, try object.decode(RunFileValue.self, forKey: $0)) })
        } else if var list = try? decoder.unkeyedContainer() {
            var items: [RunFileValue] = []
            while !list.isAtEnd { items.append(try list.decode(RunFileValue.self)) }
            self = .array(items)
        } else {
            let single = try decoder.singleValueContainer()
            if let bool = try? single.decode(Bool.self) {
                self = .bool(bool)
            } else if let string = try? single.decode(String.self) {
                self = .string(string)
            } else if let int = try? single.decode(Int.self) {
                self = .int(int)
            } else {
                self = .double(try single.decode(Double.self))
            }
        }
    }

    func encode(to encoder: Encoder) throws {
        switch self {
        case let .table(entries):
            var object = encoder.container(keyedBy: RunFileKey.self)
            for entry in entries { try object.encode(entry.value, forKey: RunFileKey(stringValue: entry.key)) }
        case let .array(items):
            var list = encoder.unkeyedContainer()
            for item in items { try list.encode(item) }
        case let .string(string), let .dateTime(string):
            var single = encoder.singleValueContainer()
            try single.encode(string)
        case let .int(int):
            var single = encoder.singleValueContainer()
            try single.encode(int)
        case let .double(double):
            var single = encoder.singleValueContainer()
            try single.encode(double)
        case let .bool(bool):
            var single = encoder.singleValueContainer()
            try single.encode(bool)
        }
    }
}

/// A Swift value a run file can hold.
protocol RunFileValueConvertible {
    var runFileValue: RunFileValue { get }
}

extension RunFileValue: RunFileValueConvertible {
    var runFileValue: RunFileValue { self }
}

extension String: RunFileValueConvertible {
    var runFileValue: RunFileValue { .string(self) }
}

extension Int: RunFileValueConvertible {
    var runFileValue: RunFileValue { .int(self) }
}

extension Double: RunFileValueConvertible {
    var runFileValue: RunFileValue { .double(self) }
}

extension Bool: RunFileValueConvertible {
    var runFileValue: RunFileValue { .bool(self) }
}

extension Array: RunFileValueConvertible where Element: RunFileValueConvertible {
    var runFileValue: RunFileValue { .array(map(\.runFileValue)) }
}

/// Enumerations a run file names by their raw value (`"relu"`, `"cross_entropy"`).
extension RunFileValueConvertible where Self: RawRepresentable, RawValue == String {
    var runFileValue: RunFileValue { .string(rawValue) }
}
