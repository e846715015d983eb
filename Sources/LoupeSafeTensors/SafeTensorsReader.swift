import LoupeCore

/// Parses and validates a whole safetensors file held in memory, then converts its tensors.
///
/// Layout: `[u64 little-endian N][N bytes of UTF-8 JSON header][data buffer]`. Every number in the
/// header is checked against the buffer before any byte of it is read, so a corrupt or hostile
/// file ends in a ``SafeTensorsError``, never a crash, an out-of-bounds read or a huge allocation
/// (a tensor's size must equal bytes actually present in the file).
///
/// Accepted like the reference implementation (`safetensors` 0.8): whitespace around the JSON,
/// extra keys in an entry (ignored), a `null` `__metadata__`. Rejected where the reference is
/// lenient: duplicate tensor names or entry keys (the reference keeps the last one silently).
struct SafeTensorsReader {
    /// The reference implementation's limit; a larger length prefix means corruption, not a model.
    static let maxHeaderBytes = 100_000_000

    let source: String
    let bytes: UnsafeRawBufferPointer

    func read() throws(SafeTensorsError) -> SafeTensorsFile {
        let headerEnd = try headerLength() + 8
        let header = try parseHeader(UnsafeRawBufferPointer(rebasing: bytes[8..<headerEnd]))
        let buffer = UnsafeRawBufferPointer(rebasing: bytes[headerEnd...])
        let (entries, metadata) = try validateEntries(header, bufferCount: buffer.count)
        let ordered = try validateLayout(entries, bufferCount: buffer.count)
        var tensors: [String: Tensor] = [:]
        for e in ordered {
            tensors[e.name] = e.dtype.makeTensor(UnsafeRawBufferPointer(rebasing: buffer[e.dataOffsets]), shape: e.shape)
        }
        return SafeTensorsFile(source: source, tensors: tensors, metadata: metadata, entries: ordered)
    }

    // MARK: Header

    /// N, checked against the reference's limit and the file's size.
    private func headerLength() throws(SafeTensorsError) -> Int {
        guard bytes.count >= 8 else {
            throw headerError("the file is \(bytes.count) bytes long, shorter than the 8-byte little-endian header length that starts every safetensors file")
        }
        let n = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard n <= UInt64(SafeTensorsReader.maxHeaderBytes) else {
            throw headerError("the length prefix says the header is \(n) bytes, more than the \(SafeTensorsReader.maxHeaderBytes)-byte limit (corrupt length, or not a safetensors file)")
        }
        guard Int(n) <= bytes.count - 8 else {
            throw headerError("the length prefix says the header is \(n) bytes, but only \(bytes.count - 8) bytes follow it (truncated file?)")
        }
        return Int(n)
    }

    /// The header as JSON members, in document order.
    private func parseHeader(_ raw: UnsafeRawBufferPointer) throws(SafeTensorsError) -> [(key: String, value: JSONValue)] {
        guard String(validating: raw, as: UTF8.self) != nil else {
            throw headerError("the \(raw.count)-byte header is not valid UTF-8")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(raw))
        } catch {
            throw headerError("not valid JSON at byte \(error.offset) of the header: \(error.reason)")
        }
        guard case let .object(members) = value else {
            throw headerError("expected a JSON object mapping tensor names to {\"dtype\", \"shape\", \"data_offsets\"}, got \(value.summary)")
        }
        return members
    }

    // MARK: Entries

    /// Every entry checked on its own: field types, known dtype, size consistent with the offsets,
    /// offsets inside the buffer. Also the `__metadata__` block.
    private func validateEntries(_ members: [(key: String, value: JSONValue)], bufferCount: Int)
        throws(SafeTensorsError) -> ([SafeTensorsFile.Entry], [String: String]) {
        var entries: [SafeTensorsFile.Entry] = []
        var seen = Set<String>()
        var metadata: [String: String]?
        for (name, value) in members {
            if name == "__metadata__" {
                guard metadata == nil else {
                    throw entryError("__metadata__", nil, "appears more than once in the header")
                }
                metadata = try parseMetadata(value)
                continue
            }
            guard seen.insert(name).inserted else {
                throw entryError(name, nil, "appears more than once in the header; tensor names must be unique")
            }
            entries.append(try parseEntry(name, value, bufferCount: bufferCount))
        }
        return (entries, metadata ?? [:])
    }

    private func parseMetadata(_ value: JSONValue) throws(SafeTensorsError) -> [String: String] {
        if value == .null { return [:] }
        guard case let .object(members) = value else {
            throw entryError("__metadata__", nil, "expected an object of string keys and string values, got \(value.summary)")
        }
        var metadata: [String: String] = [:]
        for (key, item) in members {
            guard case let .string(s) = item else {
                throw entryError("__metadata__", key, "expected a string value, got \(item.summary)")
            }
            guard metadata.updateValue(s, forKey: key) == nil else {
                throw entryError("__metadata__", key, "appears more than once in the metadata")
            }
        }
        return metadata
    }

    private func parseEntry(_ name: String, _ value: JSONValue, bufferCount: Int) throws(SafeTensorsError) -> SafeTensorsFile.Entry {
        guard case let .object(members) = value else {
            throw entryError(name, nil, "expected an object with \"dtype\", \"shape\" and \"data_offsets\", got \(value.summary)")
        }
        var fields: [String: JSONValue] = [:]
        for (key, item) in members {
            guard fields.updateValue(item, forKey: key) == nil else {
                throw entryError(name, key, "appears more than once in the entry")
            }
        }
        // Unknown keys are ignored like the reference does, but named when a required one is
        // missing: "data_offset" next to a missing "data_offsets" is the likely story.
        let unknown = members.map(\.key).filter { !["dtype", "shape", "data_offsets"].contains($0) }
        let missing = unknown.isEmpty ? "missing" : "missing (the entry has unknown keys \(unknown.map { JSONText.quoted($0) }.joined(separator: ", ")))"

        guard let dtypeValue = fields["dtype"] else { throw entryError(name, "dtype", "\(missing); expected a string such as \"F32\"") }
        guard case let .string(dtypeName) = dtypeValue else {
            throw entryError(name, "dtype", "expected a string such as \"F32\", got \(dtypeValue.summary)")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw SafeTensorsError.unsupportedDType(source: source, tensor: name, dtype: dtypeName)
        }

        let shape = try nonNegativeIntegers(fields["shape"], name, "shape", missing: missing,
                                            expected: "an array of non-negative integers (`[]` for a scalar)")
        let offsets = try nonNegativeIntegers(fields["data_offsets"], name, "data_offsets", missing: missing,
                                              expected: "[begin, end], two non-negative integers")
        guard offsets.count == 2 else {
            throw entryError(name, "data_offsets", "expected [begin, end], two non-negative integers, got \(offsets.count) integers")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw entryError(name, "data_offsets", "begin \(begin) is after end \(end)")
        }
        guard end <= bufferCount else {
            throw entryError(name, "data_offsets", "[\(begin), \(end)] extends past the end of the \(bufferCount)-byte data buffer")
        }

        // The product of the dimensions with zeros counted as ones bounds every partial product
        // and stride Loupe will compute for this shape, so checking it rules out overflow traps
        // even for empty tensors like [0, 2^40, 2^40].
        var extent = 1
        for d in shape {
            let (product, overflow) = extent.multipliedReportingOverflow(by: max(d, 1))
            guard !overflow else { throw entryError(name, "shape", "\(shape) is too large: the product of its dimensions does not fit in 64 bits") }
            extent = product
        }
        let count = shape.contains(0) ? 0 : extent
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !overflow, byteCount == end - begin else {
            throw entryError(name, "data_offsets",
                             "shape \(shape) of \(dtypeName) needs \(overflow ? "more than 2^63" : "\(byteCount)") bytes, but [\(begin), \(end)] spans \(end - begin)")
        }
        return SafeTensorsFile.Entry(name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// An array of non-negative `Int`s, or an error saying which element is wrong.
    private func nonNegativeIntegers(_ value: JSONValue?, _ name: String, _ field: String, missing: String,
                                     expected: String) throws(SafeTensorsError) -> [Int] {
        guard let value else { throw entryError(name, field, "\(missing); expected \(expected)") }
        guard case let .array(items) = value else { throw entryError(name, field, "expected \(expected), got \(value.summary)") }
        var result: [Int] = []
        result.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case let .integer(n) = item, n >= 0 else {
                throw entryError(name, field, "expected \(expected), got \(item.summary) at index \(i)")
            }
            result.append(n)
        }
        return result
    }

    // MARK: Layout

    /// The entries in buffer order, checked to tile the buffer exactly: each tensor starts where the
    /// previous one ends, and the last ends at the end of the file. The reference implementation
    /// rejects overlaps, holes and trailing bytes alike.
    private func validateLayout(_ entries: [SafeTensorsFile.Entry], bufferCount: Int) throws(SafeTensorsError) -> [SafeTensorsFile.Entry] {
        let ordered = entries.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound) < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound)
        }
        var covered = 0
        // The last tensor with bytes: the one an overlapping successor runs into.
        var last: SafeTensorsFile.Entry?
        for e in ordered {
            let r = e.dataOffsets
            if r.lowerBound < covered {
                let other = last.map { "tensor \(JSONText.quoted($0.name)) at [\($0.dataOffsets.lowerBound), \($0.dataOffsets.upperBound)]" }
                throw SafeTensorsError.invalidLayout(
                    source: source, tensor: e.name,
                    reason: "[\(r.lowerBound), \(r.upperBound)] overlaps \(other ?? "the previous tensor"); tensors must not share bytes")
            }
            if r.lowerBound > covered {
                throw SafeTensorsError.invalidLayout(
                    source: source, tensor: e.name,
                    reason: "starts at \(r.lowerBound), leaving bytes [\(covered), \(r.lowerBound)] of the data buffer unused; tensors must cover the buffer without holes")
            }
            if !r.isEmpty { last = e }
            covered = r.upperBound
        }
        guard covered == bufferCount else {
            throw SafeTensorsError.invalidLayout(
                source: source, tensor: nil,
                reason: "the data buffer holds \(bufferCount) bytes but the tensors cover only the first \(covered); the file has trailing bytes")
        }
        return ordered
    }

    // MARK: Errors

    private func headerError(_ reason: String) -> SafeTensorsError {
        .invalidHeader(source: source, reason: reason)
    }

    private func entryError(_ tensor: String, _ field: String?, _ reason: String) -> SafeTensorsError {
        .invalidEntry(source: source, tensor: tensor, field: field, reason: reason)
    }
}
