/// A TOML value. Dates and times keep their text exactly as written (Loupe's run files take none,
/// but a document holding them still parses); tables keep their keys in document order.
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    /// A float, `inf`, `-inf` and `nan` included.
    case float(Double)
    case boolean(Bool)
    /// `1979-05-27T07:32:00Z`, `1979-05-27 00:32:00.5-07:00`.
    case offsetDateTime(String)
    /// `1979-05-27T07:32:00`.
    case localDateTime(String)
    /// `1979-05-27`.
    case localDate(String)
    /// `07:32:00.999`.
    case localTime(String)
    case array([TOMLValue])
    /// A table (a `[header]` table, an inline table or one made by dotted keys), in document order.
    case table([TOMLEntry])

    /// The value under `key` when this is a table.
    public subscript(key: String) -> TOMLValue? {
        guard case let .table(entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }
}

/// One `key = value` of a table.
public struct TOMLEntry: Equatable, Sendable {
    public let key: String
    public let value: TOMLValue

    public init(_ key: String, _ value: TOMLValue) {
        self.key = key
        self.value = value
    }
}
