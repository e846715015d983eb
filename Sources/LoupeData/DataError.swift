import Foundation

/// Everything that can be wrong with a data file or a data request, with enough context to fix it:
/// the file, the line or byte offset, the field, what was expected and what was found.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// The file does not exist or cannot be read.
    case unreadable(file: String, reason: String)
    /// A binary file is shorter or longer than its header says.
    case badSize(file: String, expected: String, found: Int)
    /// A file holds nothing to read (no data rows, no records).
    case empty(file: String, expected: String)
    /// A binary header field holds an impossible value (wrong magic number, dimension count...).
    case badHeader(file: String, field: String, expected: String, found: String)
    /// A text field could not be parsed (`line` is 1-based; `column` names the column).
    case badValue(file: String, line: Int, column: String, text: String, expected: String)
    /// A text row has the wrong number of fields.
    case badRow(file: String, line: Int, expected: String, found: Int)
    /// A compressed file could not be decompressed.
    case decompression(file: String, reason: String)
    /// An argument is out of its allowed range (a fraction, a batch size, an index...).
    case invalidArgument(op: String, reason: String)
    /// Tensors that must agree in shape or element type do not.
    case shapeMismatch(op: String, reason: String)
    /// A dataset name that the registry does not know.
    case unknownDataset(name: String, known: [String])

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            "\(file): cannot read the file: \(reason)"
        case let .badSize(file, expected, found):
            "\(file): the file is \(found) bytes, expected \(expected)"
        case let .empty(file, expected):
            "\(file): the file has no \(expected)"
        case let .badHeader(file, field, expected, found):
            "\(file): header field \(field) is \(found), expected \(expected)"
        case let .badValue(file, line, column, text, expected):
            "\(file):\(line): column \(column) holds \"\(text)\", expected \(expected)"
        case let .badRow(file, line, expected, found):
            "\(file):\(line): the row has \(found) fields, expected \(expected)"
        case let .decompression(file, reason):
            "\(file): cannot decompress: \(reason)"
        case let .invalidArgument(op, reason):
            "\(op): \(reason)"
        case let .shapeMismatch(op, reason):
            "\(op): \(reason)"
        case let .unknownDataset(name, known):
            "unknown dataset \"\(name)\"; known: \(known.joined(separator: ", "))"
        }
    }
}
