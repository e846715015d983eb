import Foundation
import LoupeCore

/// Reads numeric CSV files into a ``TensorDataset``: every column but the label column is a float32
/// feature, giving inputs [N, features].
///
/// Fields are separated by `delimiter` and trimmed of spaces; quoting is not supported (the files are
/// numbers). Empty lines are skipped, `\r\n` line ends are accepted, and a `.gz` file (any file starting
/// with the gzip magic) is decompressed first.
///
/// ```swift
/// let iris = try CSVReader(label: .name("species")).read(path)   // e.g. iris.csv with a header row
/// ```
public struct CSVReader: Sendable {
    /// Which column holds the target.
    public enum LabelColumn: Sendable, Equatable {
        /// The column with this header name (needs a header row).
        case name(String)
        /// The column at this 0-based index; negative counts from the end (-1 is the last column).
        case index(Int)
    }

    /// What the label column holds.
    public enum LabelKind: Sendable, Equatable {
        /// Class indices: non-negative integers, giving targets [N] int64.
        case classIndex
        /// A real value, giving targets [N, 1] float32.
        case regression
    }

    public var label: LabelColumn
    public var labelKind: LabelKind
    public var hasHeader: Bool
    public var delimiter: UInt8

    /// The largest class index a label may have: 2^24 − 1. A model needs one output per class, so
    /// more classes than this could not be trained here, and a label such as 2^63 − 1 would make
    /// the class count overflow.
    public static let largestClassIndex = (1 << 24) - 1

    public init(label: LabelColumn = .index(-1), labelKind: LabelKind = .classIndex, hasHeader: Bool = true, delimiter: Character = ",") {
        self.label = label
        self.labelKind = labelKind
        self.hasHeader = hasHeader
        self.delimiter = delimiter.asciiValue ?? UInt8(ascii: ",")
    }

    /// Reads the file at `path`.
    public func read(_ path: String) throws -> TensorDataset {
        try parse(FileBytes.readDecompressing(path), file: path)
    }

    /// Parses CSV text already in memory; `file` names it in errors.
    public func parse(_ bytes: [UInt8], file: String) throws -> TensorDataset {
        var lines = splitLines(bytes)
        var names: [String]? = nil
        if hasHeader {
            guard let first = lines.first else { throw DataError.badRow(file: file, line: 1, expected: "a header row", found: 0) }
            names = fields(of: first.bytes).map { String(decoding: $0, as: UTF8.self) }
            lines.removeFirst()
        }
        let width = names?.count ?? lines.first.map { fields(of: $0.bytes).count } ?? 0
        guard width >= 2 else {
            throw DataError.badRow(file: file, line: hasHeader ? 1 : (lines.first?.number ?? 1),
                                   expected: "at least 2 columns (features and a label)", found: width)
        }
        guard !lines.isEmpty else { throw DataError.empty(file: file, expected: "data rows\(hasHeader ? " after the header" : "")") }
        let labelIndex = try resolveLabel(names: names, width: width, file: file)
        func columnName(_ c: Int) -> String { names.map { "\(c + 1) (\"\($0[c])\")" } ?? "\(c + 1)" }

        var features = [Float]()
        features.reserveCapacity(lines.count * (width - 1))
        var classes = [Int](), values = [Float]()
        for line in lines {
            let row = fields(of: line.bytes)
            guard row.count == width else {
                throw DataError.badRow(file: file, line: line.number, expected: "\(width) (as in the \(hasHeader ? "header" : "first row"))", found: row.count)
            }
            for (c, field) in row.enumerated() {
                let text = String(decoding: field, as: UTF8.self)
                if c == labelIndex && labelKind == .classIndex {
                    // Labels written as floats ("3.0") are accepted when they are whole numbers.
                    guard let k = Int(text) ?? Double(text).flatMap({ $0.isFinite && $0 == $0.rounded() && Swift.abs($0) < 1e15 ? Int($0) : nil }),
                          (0...Self.largestClassIndex).contains(k) else {
                        throw DataError.badValue(file: file, line: line.number, column: columnName(c), text: text,
                                                 expected: "a class index (an integer from 0 to \(Self.largestClassIndex))")
                    }
                    classes.append(k)
                    continue
                }
                guard let v = Float(text), v.isFinite else {
                    throw DataError.badValue(file: file, line: line.number, column: columnName(c), text: text, expected: "a finite number")
                }
                if c == labelIndex { values.append(v) } else { features.append(v) }
            }
        }
        let n = lines.count
        let targets = labelKind == .classIndex ? Tensor(indices: classes) : Tensor(values, shape: [n, 1])
        return try TensorDataset(inputs: Tensor(features, shape: [n, width - 1]), targets: targets)
    }

    private func resolveLabel(names: [String]?, width: Int, file: String) throws -> Int {
        switch label {
        case let .name(name):
            guard let names else {
                throw DataError.invalidArgument(op: "CSVReader", reason: "\(file): label column \"\(name)\" is chosen by name, but the file is read without a header")
            }
            guard let i = names.firstIndex(of: name) else {
                throw DataError.badHeader(file: file, field: "label column", expected: "a column named \"\(name)\"", found: "columns \(names)")
            }
            return i
        case let .index(i):
            let resolved = i < 0 ? width + i : i
            guard (0..<width).contains(resolved) else {
                throw DataError.invalidArgument(op: "CSVReader", reason: "\(file): label column index \(i) is out of range for \(width) columns")
            }
            return resolved
        }
    }

    /// Non-empty lines with their 1-based line numbers, without `\n` / `\r\n`.
    private func splitLines(_ bytes: [UInt8]) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
        var out = [(number: Int, bytes: ArraySlice<UInt8>)]()
        var start = 0, number = 1
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "\n") {
            var end = i
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = bytes[start..<end]
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) { out.append((number, line)) }
            start = i + 1
            number += 1
        }
        return out
    }

    /// The fields of one line, trimmed of spaces and tabs.
    private func fields(of line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(separator: delimiter, omittingEmptySubsequences: false).map { field in
            var f = field
            while let c = f.first, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { f.removeFirst() }
            while let c = f.last, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { f.removeLast() }
            return f
        }
    }
}
