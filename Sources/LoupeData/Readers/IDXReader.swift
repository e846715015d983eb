import LoupeCore

/// Reads IDX files, the format of MNIST and Fashion-MNIST
/// (http://yann.lecun.com/exdb/mnist/: "THE IDX FILE FORMAT").
///
/// Layout: two zero bytes, a type byte (only 0x08, unsigned byte, is read here), a byte with the
/// number of dimensions D, then D big-endian UInt32 sizes, then the values in row-major order.
/// Every field is checked against the file length before anything is read. Gzipped files are
/// decompressed first.
public enum IDXReader {
    /// The sizes and raw bytes of an unsigned-byte IDX file.
    public struct Contents: Sendable, Equatable {
        public let dimensions: [Int]
        public let values: [UInt8]
    }

    /// Reads the file at `path`; `dimensionCount`, when given, is the number of dimensions required.
    public static func read(_ path: String, dimensionCount: Int? = nil) throws -> Contents {
        try parse(FileBytes.readDecompressing(path), file: path, dimensionCount: dimensionCount)
    }

    /// Parses IDX bytes already in memory; `file` names them in errors.
    public static func parse(_ bytes: [UInt8], file: String, dimensionCount: Int? = nil) throws -> Contents {
        guard bytes.count >= 4 else { throw DataError.badSize(file: file, expected: "at least 4 bytes for the IDX magic number", found: bytes.count) }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw DataError.badHeader(file: file, field: "magic number", expected: "two zero bytes then the type and dimension count (e.g. 00 00 08 03)",
                                      found: bytes[0..<4].map { hex($0) }.joined(separator: " "))
        }
        guard bytes[2] == 0x08 else {
            throw DataError.badHeader(file: file, field: "type (byte 2)", expected: "08 (unsigned byte)", found: hex(bytes[2]))
        }
        let d = Int(bytes[3])
        if let dimensionCount, d != dimensionCount {
            throw DataError.badHeader(file: file, field: "dimension count (byte 3)", expected: "\(dimensionCount)", found: "\(d)")
        }
        guard d >= 1 else { throw DataError.badHeader(file: file, field: "dimension count (byte 3)", expected: "at least 1", found: "0") }
        let headerSize = 4 + 4 * d
        guard bytes.count >= headerSize else {
            throw DataError.badSize(file: file, expected: "at least \(headerSize) bytes for a header with \(d) dimensions", found: bytes.count)
        }
        var dims = [Int]()
        var total = 1
        for i in 0..<d {
            let o = 4 + 4 * i
            let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            dims.append(size)
            // Sizes are below 2³², so the product overflows only past 2⁶³; stop long before that.
            total *= size
            guard total <= bytes.count else {
                throw DataError.badSize(file: file, expected: "\(headerSize) header bytes plus the product of sizes \(dims)…", found: bytes.count)
            }
        }
        guard bytes.count == headerSize + total else {
            throw DataError.badSize(file: file, expected: "\(headerSize + total) (\(headerSize) header bytes + \(dims.map(String.init).joined(separator: "×")) values)",
                                    found: bytes.count)
        }
        return Contents(dimensions: dims, values: Array(bytes[headerSize...]))
    }

    private static func hex(_ b: UInt8) -> String {
        let s = String(b, radix: 16)
        return s.count == 1 ? "0" + s : s
    }
}
