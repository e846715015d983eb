import Foundation

/// A bounds-checked little-endian cursor over GGUF bytes.
struct GGUFReader {
    let data: Data
    let file: String
    private(set) var position = 0
    /// Nested arrays deeper than this are rejected (the format allows nesting; no model needs more).
    static let maxDepth = 4

    init(data: Data, file: String) { (self.data, self.file) = (data, file) }

    private mutating func take(_ n: Int, _ field: String) throws -> Range<Int> {
        guard n >= 0, n <= data.count - position else {
            throw GGUFError.truncated(file: file, field: field, offset: position, needed: n, fileSize: data.count)
        }
        defer { position += n }
        return (data.startIndex + position)..<(data.startIndex + position + n)
    }

    private mutating func scalar<T: FixedWidthInteger>(_: T.Type, _ field: String) throws -> T {
        let range = try take(MemoryLayout<T>.size, field)
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: data[range]) }
        return T(littleEndian: value)
    }

    mutating func u32(_ field: String) throws -> UInt32 { try scalar(UInt32.self, field) }

    /// The array value's element type and count at the cursor, without moving it.
    func peekArrayHeader() -> (elementType: UInt32, count: UInt64)? {
        var copy = self
        guard let type = try? copy.u32("peek"), let count = try? copy.u64("peek") else { return nil }
        return (type, count)
    }
    mutating func u64(_ field: String) throws -> UInt64 { try scalar(UInt64.self, field) }

    /// A count whose entries take at least `minimumBytesEach` bytes: larger than the rest of the
    /// file could hold means corruption, caught before anything is allocated for it.
    mutating func count(_ field: String, minimumBytesEach: Int) throws -> Int {
        let n = try u64(field)
        let room = UInt64(data.count - position) / UInt64(max(minimumBytesEach, 1))
        guard n <= room else {
            throw GGUFError.invalid(file: file, field: field, reason: "\(n) entries cannot fit in the \(data.count - position) bytes left")
        }
        return Int(n)
    }

    mutating func string(_ field: String) throws -> String {
        let length = try u64("\(field) length")
        guard length <= UInt64(data.count - position) else {
            throw GGUFError.truncated(file: file, field: field, offset: position, needed: Int(clamping: length), fileSize: data.count)
        }
        let range = try take(Int(length), field)
        guard let s = String(data: data[range], encoding: .utf8) else {
            throw GGUFError.invalid(file: file, field: field, reason: "is not valid UTF-8")
        }
        return s
    }

    mutating func value(type: UInt32, field: String, depth: Int) throws -> GGUFValue {
        switch type {
        case 0: return .uint8(try scalar(UInt8.self, field))
        case 1: return .int8(try scalar(Int8.self, field))
        case 2: return .uint16(try scalar(UInt16.self, field))
        case 3: return .int16(try scalar(Int16.self, field))
        case 4: return .uint32(try scalar(UInt32.self, field))
        case 5: return .int32(try scalar(Int32.self, field))
        case 6: return .float32(Float(bitPattern: try scalar(UInt32.self, field)))
        case 7:
            let b = try scalar(UInt8.self, field)
            guard b <= 1 else { throw GGUFError.invalid(file: file, field: field, reason: "a bool must be 0 or 1, got \(b)") }
            return .bool(b == 1)
        case 8: return .string(try string(field))
        case 9:
            guard depth < Self.maxDepth else {
                throw GGUFError.invalid(file: file, field: field, reason: "arrays nested deeper than \(Self.maxDepth)")
            }
            let elementType = try u32("\(field) element type")
            let minimum = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 8: 8, 9: 12, 10: 8, 11: 8, 12: 8][Int(elementType)]
            guard let minimum else {
                throw GGUFError.invalid(file: file, field: "\(field) element type", reason: "unknown value type \(elementType)")
            }
            let n = try count("\(field) count", minimumBytesEach: minimum)
            var values: [GGUFValue] = []
            values.reserveCapacity(n)
            for i in 0..<n { values.append(try value(type: elementType, field: "\(field)[\(i)]", depth: depth + 1)) }
            return .array(values)
        case 10: return .uint64(try u64(field))
        case 11: return .int64(try scalar(Int64.self, field))
        case 12: return .float64(Double(bitPattern: try u64(field)))
        default: throw GGUFError.invalid(file: file, field: "\(field) type", reason: "unknown value type \(type)")
        }
    }
}
