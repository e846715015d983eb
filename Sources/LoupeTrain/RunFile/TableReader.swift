import LoupeCore

/// Typed, path-aware reading of one table of a run file, for errors that name the key, the value
/// and what is allowed (`invalid value "fast" for 'train.lr': expected a number`).
///
/// It remembers the keys it was asked for: ``read(_:path:_:)`` then rejects any other key in the
/// table and lists those as the allowed ones, so what a section reads is its list of keys.
/// Ranges are not checked here but in ``RunConfig/validate()``, which code-built configurations
/// go through too.
final class TableReader {
    let path: String
    private let entries: [RunFileEntry]
    private var asked: [String] = []

    private init(_ entries: [RunFileEntry], path: String) {
        (self.entries, self.path) = (entries, path)
    }

    /// Reads `value` (a table) with `read`, then rejects the keys `read` did not ask for.
    static func read<T>(_ value: RunFileValue, path: String, _ read: (TableReader) throws -> T) throws -> T {
        guard case let .table(entries) = value else {
            throw RunConfigError.invalidValue(key: path, value: value.tomlText, allowed: "a table")
        }
        let reader = TableReader(entries, path: path)
        let result = try read(reader)
        if let unknown = entries.first(where: { !reader.asked.contains($0.key) }) {
            throw RunConfigError.unknownKey(key: reader.key(unknown.key), allowed: reader.asked)
        }
        return result
    }

    /// The full name of one of this table's keys, as errors give it (`model.layers[2].units`).
    func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }

    private func value(_ k: String) -> RunFileValue? {
        if !asked.contains(k) { asked.append(k) }
        return entries.first { $0.key == k }?.value
    }

    private func invalid(_ k: String, _ value: RunFileValue, _ allowed: String) -> RunConfigError {
        .invalidValue(key: key(k), value: value.tomlText, allowed: allowed)
    }

    /// The value of a key the table must have.
    func required<T>(_ k: String, _ read: (String) throws -> T?) throws -> T {
        guard let value = try read(k) else { throw RunConfigError.missingKey(key: key(k)) }
        return value
    }

    func table<T>(_ k: String, _ read: (TableReader) throws -> T) throws -> T? {
        try value(k).map { try Self.read($0, path: key(k), read) }
    }

    func tables<T>(_ k: String, _ read: (TableReader) throws -> T) throws -> [T]? {
        guard let v = value(k) else { return nil }
        guard case let .array(items) = v else { throw invalid(k, v, "an array of tables") }
        return try items.enumerated().map { i, item in
            guard case .table = item else {
                throw RunConfigError.invalidValue(key: "\(key(k))[\(i)]", value: item.tomlText, allowed: "an inline table { type = ..., ... }")
            }
            return try Self.read(item, path: "\(key(k))[\(i)]", read)
        }
    }

    func string(_ k: String) throws -> String? {
        guard let v = value(k) else { return nil }
        guard case let .string(s) = v else { throw invalid(k, v, "a string") }
        return s
    }

    /// One of an enumeration's raw values (`"relu"`), with all of them listed when it is not.
    func choice<T: CaseIterable & RawRepresentable>(_ k: String) throws -> T? where T.RawValue == String {
        guard let v = value(k) else { return nil }
        guard case let .string(s) = v, let choice = T(rawValue: s) else {
            throw invalid(k, v, T.allCases.map(\.rawValue).joined(separator: " | "))
        }
        return choice
    }

    /// One of `kinds`, found by its name (`"adam"`), with all the names listed when it is not one.
    func named<T>(_ k: String, among kinds: [T], by name: (T) -> String) throws -> T? {
        guard let s = try string(k) else { return nil }
        guard let kind = kinds.first(where: { name($0) == s }) else {
            throw invalid(k, .string(s), kinds.map(name).joined(separator: " | "))
        }
        return kind
    }

    /// A kind named by `nameKey` (`otherwise` when the key is missing) together with the setting
    /// `settingKey` that only some kinds take (`optimizer` and SGD's `momentum`). `applying` gives
    /// the kind with the setting read (nil: not given), or nil when the kind takes none; a setting
    /// other than 0 given to such a kind is an error rather than ignored.
    func kind<Kind, Setting: Numeric & RunFileValueConvertible>(
        _ nameKey: String, among kinds: [Kind], by name: (Kind) -> String, otherwise: Kind?,
        setting settingKey: String, _ readSetting: (String) throws -> Setting?, applying: (Kind, Setting?) -> Kind?
    ) throws -> Kind {
        let named = try self.named(nameKey, among: kinds, by: name)
        let setting = try readSetting(settingKey)
        guard let kind = named ?? otherwise else { throw RunConfigError.missingKey(key: key(nameKey)) }
        if let withSetting = applying(kind, setting) { return withSetting }
        if let setting, setting != .zero {
            let takers = kinds.filter { applying($0, nil) != nil }.map(name).joined(separator: ", ")
            throw invalid(settingKey, setting.runFileValue, "no \(settingKey) with \(nameKey) = \"\(name(kind))\"; \(settingKey) is for \(takers)")
        }
        return kind
    }

    func bool(_ k: String) throws -> Bool? {
        guard let v = value(k) else { return nil }
        guard case let .bool(b) = v else { throw invalid(k, v, "true or false") }
        return b
    }

    func int(_ k: String) throws -> Int? {
        guard let v = value(k) else { return nil }
        guard case let .int(i) = v else { throw invalid(k, v, "an integer") }
        return i
    }

    /// A number; integers are accepted (`lr = 1`).
    func double(_ k: String) throws -> Double? {
        guard let v = value(k) else { return nil }
        guard let d = v.number else { throw invalid(k, v, "a number") }
        return d
    }

    func doubles(_ k: String) throws -> [Double]? {
        guard let v = value(k) else { return nil }
        guard case let .array(items) = v, case let numbers = items.compactMap(\.number), numbers.count == items.count else {
            throw invalid(k, v, "an array of numbers")
        }
        return numbers
    }

    func strings(_ k: String) throws -> [String]? {
        guard let v = value(k) else { return nil }
        guard case let .array(items) = v, case let strings = items.compactMap(\.string), strings.count == items.count else {
            throw invalid(k, v, "an array of strings, e.g. [\"macro_f1 >= 0.95\"]")
        }
        return strings
    }

    func ints(_ k: String) throws -> [Int]? {
        guard let v = value(k) else { return nil }
        guard case let .array(items) = v, case let ints = items.compactMap(\.int), ints.count == items.count else {
            throw invalid(k, v, "an array of integers, e.g. [64] or [1, 8, 8]")
        }
        return ints
    }

    /// `"he"`, `{ normal = 0.02 }`, ... (see ``Initializer/runFileForms``).
    func initializer(_ k: String) throws -> Initializer? {
        guard let v = value(k) else { return nil }
        guard let initializer = Initializer(v) else { throw invalid(k, v, Initializer.runFileForms.joined(separator: " | ")) }
        return initializer
    }
}
