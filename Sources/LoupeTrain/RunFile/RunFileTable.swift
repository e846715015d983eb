/// A part of a run file that reads itself from a table and writes itself as that table's entries.
/// Its `Codable` conformance follows: JSON with the run file's own keys (config.json holds
/// `{"type": "linear", "units": 64}`, not Swift's `{"linear": {"units": 64}}`), read back through
/// the parser's checks.
protocol RunFileTable {
    init(reading table: TableReader) throws
    var entries: [RunFileEntry] { get }
}

extension RunFileTable {
    public init(from decoder: Decoder) throws {
        let path = decoder.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        self = try TableReader.read(RunFileValue(from: decoder), path: path.hasPrefix(".") ? String(path.dropFirst()) : path,
                                    Self.init(reading:))
    }

    public func encode(to encoder: Encoder) throws {
        try RunFileValue.table(entries).encode(to: encoder)
    }
}
