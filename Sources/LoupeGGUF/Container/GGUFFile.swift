import Foundation
import LoupeCore

/// What is wrong with a GGUF file, naming the file, the field and the byte offset.
public enum GGUFError: Error, CustomStringConvertible, Equatable {
    case notGGUF(file: String)
    case unsupportedVersion(file: String, version: UInt32)
    case truncated(file: String, field: String, offset: Int, needed: Int, fileSize: Int)
    case invalid(file: String, field: String, reason: String)

    public var description: String {
        switch self {
        case let .notGGUF(file): "\(file): not a GGUF file (the first four bytes are not \"GGUF\")"
        case let .unsupportedVersion(file, v): "\(file): GGUF version \(v) is not supported (versions 2 and 3 are)"
        case let .truncated(file, field, offset, needed, size):
            "\(file): truncated: \(field) needs \(needed) bytes at offset \(offset), but the file has \(size) bytes"
        case let .invalid(file, field, reason): "\(file): \(field): \(reason)"
        }
    }
}

/// One tensor's entry in a GGUF file.
public struct GGUFTensorInfo: Equatable, Sendable {
    public let name: String
    /// Dimensions in ggml order: `shape[0]` is the fastest-varying (a row's length).
    public let shape: [Int]
    public let type: GGMLType
    /// Offset from the start of the data section (a multiple of the file's alignment).
    public let offset: Int
    public let byteCount: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A GGUF file (versions 2 and 3): metadata, tensor infos and the tensor bytes, memory-mapped.
/// Every count, length, size and offset is checked against the file before it is used, so a
/// truncated or corrupted file is an error that names the field, never a crash or a huge allocation.
public struct GGUFFile: @unchecked Sendable {
    public let name: String
    public let version: Int
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// The element type of each empty top-level metadata array (``GGUFValue/array(_:)`` cannot
    /// show it), so ``GGUFWriter`` can carry the metadata over exactly.
    public let emptyArrayElementTypes: [String: UInt32]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Where the data section starts in the file.
    public let dataOffset: Int
    /// The whole file (memory-mapped when read from disk).
    public let data: Data

    /// Memory-maps and parses the file at `url`.
    ///
    /// The mapping is explicit (`mmap`, read-only, private) so that ``data``'s bytes stay at one
    /// address for as long as any copy of the file value lives: the LLM runtime reads quantized
    /// weights in place through that address instead of copying 100 MB into its own memory.
    public init(contentsOf url: URL) throws {
        try self.init(data: try Self.map(url), name: url.path)
    }

    static func map(_ url: URL) throws -> Data {
        func failure(_ what: String) -> GGUFError {
            GGUFError.invalid(file: url.path, field: "file", reason: "cannot be read (\(what))")
        }
        let fd: Int32
        do { fd = try InputFile.open(url.path) } catch { throw failure(error.reason) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        guard size > 0 else { return Data() }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw failure(String(cString: strerror(errno)))
        }
        return Data(bytesNoCopy: base, count: size, deallocator: .custom { pointer, count in munmap(pointer, count) })
    }

    /// Parses GGUF bytes; `name` is used in error messages.
    public init(data: Data, name: String = "<gguf>") throws {
        var r = GGUFReader(data: data, file: name)
        guard data.count >= 4, try r.u32("magic") == 0x4655_4747 else { throw GGUFError.notGGUF(file: name) }
        let version = try r.u32("version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(file: name, version: version) }
        let tensorCount = try r.count("tensor_count", minimumBytesEach: 4 + 8 + 4 + 4 + 8)
        let kvCount = try r.count("metadata_kv_count", minimumBytesEach: 8 + 4 + 1)
        var metadata: [(key: String, value: GGUFValue)] = []
        var seen = Set<String>()
        var emptyArrayTypes: [String: UInt32] = [:]
        for i in 0..<kvCount {
            let key = try r.string("metadata[\(i)].key")
            guard seen.insert(key).inserted else {
                throw GGUFError.invalid(file: name, field: "metadata key \"\(key)\"", reason: "appears twice")
            }
            let type = try r.u32("metadata \"\(key)\" type")
            if type == 9, let header = r.peekArrayHeader(), header.count == 0 { emptyArrayTypes[key] = header.elementType }
            metadata.append((key, try r.value(type: type, field: "metadata \"\(key)\"", depth: 0)))
        }
        var alignment = 32
        if let a = metadata.first(where: { $0.key == "general.alignment" })?.value {
            guard let v = a.int, v > 0, v & (v - 1) == 0 else {
                throw GGUFError.invalid(file: name, field: "general.alignment", reason: "must be a power of two, got \(a)")
            }
            alignment = v
        }
        var infos: [(name: String, shape: [Int], type: GGMLType, offset: Int)] = []
        var names = Set<String>()
        for i in 0..<tensorCount {
            let tensorName = try r.string("tensor[\(i)].name")
            guard names.insert(tensorName).inserted else {
                throw GGUFError.invalid(file: name, field: "tensor \"\(tensorName)\"", reason: "appears twice")
            }
            let dims = Int(try r.u32("tensor \"\(tensorName)\" n_dims"))
            guard (1...4).contains(dims) else {
                throw GGUFError.invalid(file: name, field: "tensor \"\(tensorName)\" n_dims", reason: "must be 1 to 4, got \(dims)")
            }
            var shape: [Int] = []
            for d in 0..<dims {
                let n = try r.u64("tensor \"\(tensorName)\" dim \(d)")
                guard n >= 1, n <= UInt64(Int32.max) else {
                    throw GGUFError.invalid(file: name, field: "tensor \"\(tensorName)\" dim \(d)", reason: "must be in 1...\(Int32.max), got \(n)")
                }
                shape.append(Int(n))
            }
            let rawType = try r.u32("tensor \"\(tensorName)\" type")
            guard let type = GGMLType(rawValue: rawType) else {
                throw GGUFError.invalid(file: name, field: "tensor \"\(tensorName)\" type", reason: "unknown ggml type \(rawType)")
            }
            let offset = try r.u64("tensor \"\(tensorName)\" offset")
            guard offset <= UInt64(data.count), Int(offset) % alignment == 0 else {
                throw GGUFError.invalid(file: name, field: "tensor \"\(tensorName)\" offset",
                                        reason: "\(offset) must be a multiple of the alignment \(alignment) within the file")
            }
            infos.append((tensorName, shape, type, Int(offset)))
        }
        let dataOffset = (r.position + alignment - 1) / alignment * alignment
        guard dataOffset <= data.count || tensorCount == 0 else {
            throw GGUFError.truncated(file: name, field: "data section", offset: dataOffset, needed: 1, fileSize: data.count)
        }
        var tensors: [GGUFTensorInfo] = []
        for t in infos {
            guard t.shape[0] % t.type.blockSize == 0 else {
                throw GGUFError.invalid(file: name, field: "tensor \"\(t.name)\" shape",
                                        reason: "the first dimension \(t.shape[0]) is not a multiple of \(t.type.name)'s block of \(t.type.blockSize)")
            }
            let rowBytes = t.shape[0] / t.type.blockSize * t.type.typeSize
            let (bytes, overflow) = t.shape.dropFirst().reduce((rowBytes, false)) { acc, n in
                let (p, o) = acc.0.multipliedReportingOverflow(by: n)
                return (p, acc.1 || o)
            }
            let end = dataOffset.addingReportingOverflow(t.offset).partialValue.addingReportingOverflow(bytes)
            guard !overflow, !end.overflow, end.partialValue <= data.count else {
                throw GGUFError.truncated(file: name, field: "tensor \"\(t.name)\" data (\(t.type.name) \(t.shape))",
                                          offset: dataOffset + t.offset, needed: bytes, fileSize: data.count)
            }
            tensors.append(GGUFTensorInfo(name: t.name, shape: t.shape, type: t.type, offset: t.offset, byteCount: bytes))
        }
        // Two tensors sharing bytes would alias each other's weights (llama.cpp requires them laid
        // out one after another; overlap is what matters for reading them safely).
        let byOffset = tensors.sorted { ($0.offset, $0.byteCount) < ($1.offset, $1.byteCount) }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw GGUFError.invalid(file: name, field: "tensor \"\(b.name)\" offset",
                                    reason: "its bytes \(b.offset)..<\(b.offset + b.byteCount) overlap tensor \"\(a.name)\"'s \(a.offset)..<\(a.offset + a.byteCount) (offsets are from the data section)")
        }
        self.name = name
        self.version = Int(version)
        self.metadata = metadata
        self.emptyArrayElementTypes = emptyArrayTypes
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.data = data
    }

    /// The metadata value for `key`, if present.
    public subscript(key: String) -> GGUFValue? { metadata.first { $0.key == key }?.value }

    /// The tensor called `name`, if present.
    public func tensor(_ name: String) -> GGUFTensorInfo? { tensors.first { $0.name == name } }

    /// The raw bytes of a tensor (a slice of the mapped file, not a copy).
    public func bytes(of tensor: GGUFTensorInfo) -> Data {
        let start = data.startIndex + dataOffset + tensor.offset
        return data[start..<(start + tensor.byteCount)]
    }
}
