import Foundation
import LoupeCore

/// One tensor for ``GGUFWriter``: its ggml shape and type, and its bytes (already in the type's
/// block layout).
public struct GGUFTensorData: Sendable {
    public let name: String
    /// ggml order: `shape[0]` is a row's length.
    public let shape: [Int]
    public let type: GGMLType
    public let bytes: Data

    public init(name: String, shape: [Int], type: GGMLType, bytes: Data) {
        (self.name, self.shape, self.type, self.bytes) = (name, shape, type, bytes)
    }
}

/// Writes GGUF version 3 files laid out as gguf-py's `GGUFWriter` (and llama.cpp) lay them out:
/// header, metadata in the order given, tensor infos in the order given, zero padding to the
/// alignment, then each tensor's bytes at an aligned offset, each followed by padding.
///
/// Everything is checked before a byte is written: names unique, shapes of 1–4 dimensions whose
/// first is a multiple of the type's block, byte counts that match the shape, values whose type
/// can be written. The file is written atomically.
public struct GGUFWriter {
    public var metadata: [(key: String, value: GGUFValue)]
    public var tensors: [GGUFTensorData]
    /// The element type of each empty array in ``metadata`` (an empty array does not show it);
    /// ``GGUFFile/emptyArrayElementTypes`` from the file the metadata came from.
    public var emptyArrayElementTypes: [String: UInt32]
    /// The file's label in error messages.
    public var name: String

    public init(metadata: [(key: String, value: GGUFValue)], tensors: [GGUFTensorData],
                emptyArrayElementTypes: [String: UInt32] = [:], name: String = "<gguf>") {
        (self.metadata, self.tensors, self.emptyArrayElementTypes, self.name) = (metadata, tensors, emptyArrayElementTypes, name)
    }

    /// `general.alignment` when given (a power of two), else GGUF's default of 32.
    public var alignment: Int { metadata.first { $0.key == "general.alignment" }?.value.int ?? 32 }

    /// The whole file.
    public func serialize() throws -> Data {
        var out = Data()
        try write { out.append(contentsOf: $0) }
        return out
    }

    /// Writes the file to `url` atomically (a temporary file renamed over it).
    public func write(to url: URL) throws {
        try validate()
        do {
            try AtomicFile.write(to: url) { sink in try write(sink) }
        } catch let error as AtomicFileError {
            throw GGUFError.invalid(file: url.path, field: "file", reason: "cannot be written (\(error.reason))")
        }
    }

    private func validate() throws {
        let align = alignment
        guard align > 0, align & (align - 1) == 0 else {
            throw GGUFError.invalid(file: name, field: "general.alignment", reason: "must be a power of two, got \(align)")
        }
        var keys = Set<String>(), names = Set<String>()
        for (key, _) in metadata where !keys.insert(key).inserted {
            throw GGUFError.invalid(file: name, field: "metadata key \"\(key)\"", reason: "appears twice")
        }
        for t in tensors {
            guard names.insert(t.name).inserted else { throw GGUFError.invalid(file: name, field: "tensor \"\(t.name)\"", reason: "appears twice") }
            guard (1...4).contains(t.shape.count), t.shape.allSatisfy({ $0 >= 1 }) else {
                throw GGUFError.invalid(file: name, field: "tensor \"\(t.name)\" shape", reason: "must have 1 to 4 dimensions ≥ 1, got \(t.shape)")
            }
            guard t.shape[0] % t.type.blockSize == 0 else {
                throw GGUFError.invalid(file: name, field: "tensor \"\(t.name)\" shape",
                                        reason: "the first dimension \(t.shape[0]) is not a multiple of \(t.type.name)'s block of \(t.type.blockSize)")
            }
            let expected = t.shape.dropFirst().reduce(t.shape[0] / t.type.blockSize * t.type.typeSize, *)
            guard t.bytes.count == expected else {
                throw GGUFError.invalid(file: name, field: "tensor \"\(t.name)\" data",
                                        reason: "has \(t.bytes.count) bytes; \(t.type.name) \(t.shape) takes \(expected)")
            }
        }
    }

    private func write(_ sink: ([UInt8]) throws -> Void) throws {
        try validate()
        var header = ByteWriter()
        header.u32(0x4655_4747)   // "GGUF"
        header.u32(3)
        header.u64(UInt64(tensors.count))
        header.u64(UInt64(metadata.count))
        for (key, value) in metadata {
            header.string(key)
            try header.value(value, field: key, emptyType: emptyArrayElementTypes[key], file: name)
        }
        let align = alignment
        var offset = 0
        for t in tensors {
            header.string(t.name)
            header.u32(UInt32(t.shape.count))
            for n in t.shape { header.u64(UInt64(n)) }
            header.u32(t.type.rawValue)
            header.u64(UInt64(offset))
            offset += Self.padded(t.bytes.count, align)
        }
        header.bytes += [UInt8](repeating: 0, count: Self.padded(header.bytes.count, align) - header.bytes.count)
        try sink(header.bytes)
        for t in tensors {
            try sink([UInt8](t.bytes))
            let padding = Self.padded(t.bytes.count, align) - t.bytes.count
            if padding > 0 { try sink([UInt8](repeating: 0, count: padding)) }
        }
    }

    static func padded(_ n: Int, _ align: Int) -> Int { (n + align - 1) / align * align }
}

/// Little-endian GGUF encoding of scalars, strings and values.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func int<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u32(_ v: UInt32) { int(v) }
    mutating func u64(_ v: UInt64) { int(v) }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += s.utf8 }

    /// The value's type code and payload.
    mutating func value(_ v: GGUFValue, field: String, emptyType: UInt32?, file: String) throws {
        u32(try Self.typeCode(v, field: field, emptyType: emptyType, file: file))
        try payload(v, field: field, emptyType: emptyType, file: file)
    }

    private mutating func payload(_ v: GGUFValue, field: String, emptyType: UInt32?, file: String) throws {
        switch v {
        case let .uint8(x): int(x)
        case let .int8(x): int(x)
        case let .uint16(x): int(x)
        case let .int16(x): int(x)
        case let .uint32(x): int(x)
        case let .int32(x): int(x)
        case let .uint64(x): int(x)
        case let .int64(x): int(x)
        case let .float32(x): int(x.bitPattern)
        case let .float64(x): int(x.bitPattern)
        case let .bool(b): bytes.append(b ? 1 : 0)
        case let .string(s): string(s)
        case let .array(items):
            guard let element = try items.first.map({ try Self.typeCode($0, field: "\(field)[0]", emptyType: nil, file: file) }) ?? emptyType else {
                throw GGUFError.invalid(file: file, field: "metadata \"\(field)\"", reason: "an empty array whose element type is unknown cannot be written")
            }
            for (i, item) in items.enumerated() where try Self.typeCode(item, field: "\(field)[\(i)]", emptyType: nil, file: file) != element {
                throw GGUFError.invalid(file: file, field: "metadata \"\(field)\"", reason: "array element \(i) is not of the first element's type")
            }
            u32(element)
            u64(UInt64(items.count))
            // A nested array's payload starts with its own element type and count.
            for (i, item) in items.enumerated() {
                try payload(item, field: "\(field)[\(i)]", emptyType: nil, file: file)
            }
        }
    }

    static func typeCode(_ v: GGUFValue, field: String, emptyType: UInt32?, file: String) throws -> UInt32 {
        if case let .array(items) = v, items.isEmpty, emptyType == nil {
            throw GGUFError.invalid(file: file, field: "metadata \"\(field)\"", reason: "an empty array whose element type is unknown cannot be written")
        }
        return switch v {
        case .uint8: 0
        case .int8: 1
        case .uint16: 2
        case .int16: 3
        case .uint32: 4
        case .int32: 5
        case .float32: 6
        case .bool: 7
        case .string: 8
        case .array: 9
        case .uint64: 10
        case .int64: 11
        case .float64: 12
        }
    }
}
