import Foundation
import LoupeCore

/// Lays out tensors the way the reference implementation (`safetensors`, Rust) does, so the bytes
/// Loupe writes are identical to what `safetensors.numpy.save_file` writes for the same arrays.
///
/// - Order: decreasing dtype rank (I64, then F64, then F32; see
///   ``SafeTensorsDType/referenceOrder``), then name by UTF-8 bytes. Each tensor then starts at a
///   multiple of its element size.
/// - Header: compact JSON, `__metadata__` first when there is any (keys sorted by UTF-8 bytes:
///   the reference writes a hash map's order, which changes from run to run), then
///   `"name":{"dtype":…,"shape":[…],"data_offsets":[begin,end]}` per tensor, padded with spaces
///   to a multiple of 8 bytes so the data buffer starts 8-byte aligned.
/// - Data: row-major, little-endian; non-contiguous views are written in logical order.
struct SafeTensorsWriter {
    private struct Item {
        let name: String
        let tensor: Tensor
        let dtype: SafeTensorsDType
    }

    private let items: [Item]
    /// The 8-byte length prefix followed by the padded JSON header.
    let headerBytes: [UInt8]
    /// Total size of the file.
    let byteCount: Int

    /// - Parameter int8: names of int64 tensors to store as I8 (quantized weights); each value
    ///   must be in −128…127.
    init(_ tensors: [String: Tensor], metadata: [String: String], int8: Set<String> = []) throws(SafeTensorsError) {
        if tensors["__metadata__"] != nil {
            throw SafeTensorsError.invalidArgument(tensor: "__metadata__", reason: "the name is reserved for the file's metadata block")
        }
        for name in int8.sorted() {
            guard let t = tensors[name] else { continue }
            guard t.dtype == .int64 else {
                throw SafeTensorsError.invalidArgument(tensor: name, reason: "only integer tensors can be stored as I8; this one is \(t.dtype)")
            }
            if let bad = t.ints().first(where: { !(-128...127).contains($0) }) {
                throw SafeTensorsError.invalidArgument(tensor: name, reason: "holds \(bad), outside I8's −128…127")
            }
        }
        items = tensors.map { Item(name: $0.key, tensor: $0.value, dtype: int8.contains($0.key) ? .i8 : SafeTensorsDType(writing: $0.value.dtype)) }
            .sorted { a, b in
                a.dtype.referenceOrder != b.dtype.referenceOrder
                    ? a.dtype.referenceOrder > b.dtype.referenceOrder
                    : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
            }

        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))" }
            members.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for item in items {
            let end = offset + item.tensor.count * item.dtype.byteSize
            let shape = item.tensor.shape.map(String.init).joined(separator: ",")
            members.append("\(JSONText.quoted(item.name)):{\"dtype\":\"\(item.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Array("{\(members.joined(separator: ","))}".utf8)
        json += repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        headerBytes = withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json
        byteCount = headerBytes.count + offset
    }

    /// Hands the file to `sink` in pieces: the header, then each tensor's data.
    func write(to sink: ([UInt8]) throws -> Void) rethrows {
        try sink(headerBytes)
        for item in items { try sink(item.dtype == .i8 ? item.tensor.ints().map { UInt8(bitPattern: Int8($0)) } : Self.littleEndianBytes(item.tensor)) }
    }

    /// The tensor's elements in row-major order as little-endian bytes of its own dtype.
    private static func littleEndianBytes(_ t: Tensor) -> [UInt8] {
        switch t.dtype {
        case .float32: encode(t.floats()) { $0.bitPattern.littleEndian }
        case .float64: encode(t.doubles()) { $0.bitPattern.littleEndian }
        case .int64: encode(t.ints()) { Int64($0).littleEndian }
        }
    }

    private static func encode<T, R: FixedWidthInteger>(_ values: [T], _ convert: (T) -> R) -> [UInt8] {
        let size = MemoryLayout<R>.size
        return [UInt8](unsafeUninitializedCapacity: values.count * size) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            for (i, v) in values.enumerated() {
                raw.storeBytes(of: convert(v), toByteOffset: i * size, as: R.self)
            }
            initialized = values.count * size
        }
    }
}
