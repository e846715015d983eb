import CLoupeKernels
import LoupeCore

/// A weight matrix W [rows, columns] (ggml's [ne0 = columns, ne1 = rows]) kept in its file
/// encoding and read in place from the memory-mapped GGUF: Q4_0 and Q4_1 are multiplied
/// directly by C kernels (`loupe_q4_rows` in CLoupeKernels, C for per-function instruction sets
/// chosen at run time), Q8_0 by ``QuantizedDot``; every other type ``GGMLDequantizer`` reads (F16, BF16, Q4_K,
/// Q6_K) is turned into float32 once, at load.
public struct QuantizedMatrix: @unchecked Sendable {
    /// The tensor's name in the file.
    public let name: String
    public let type: GGMLType
    public let rows: Int, columns: Int
    /// Bytes from one row to the next.
    public let rowBytes: Int
    /// Row 0's first byte.
    public let base: UnsafeRawPointer
    /// Keeps the float32 copy alive when the matrix was converted at load.
    private let owner: FloatBuffer?

    /// The types ``multiply(_:into:rows:)`` reads in place; others are converted to float32 at load.
    public static let multipliedInPlace: Set<GGMLType> = [.q4_0, .q4_1, .q8_0, .f32]

    /// The matrix `name` of `file`, whose bytes are mapped at `fileBase` (kept alive by the caller).
    public init(_ file: GGUFFile, _ name: String, base fileBase: UnsafeRawPointer) throws {
        guard let info = file.tensor(name) else { throw GGUFError.invalid(file: file.name, field: "tensor \"\(name)\"", reason: "is missing") }
        guard info.shape.count == 2 else {
            throw GGUFError.invalid(file: file.name, field: "tensor \"\(name)\"", reason: "has shape \(info.shape); a 2-D matrix was expected")
        }
        self.name = name
        columns = info.shape[0]
        rows = info.shape[1]
        guard columns % info.type.blockSize == 0 else {
            throw GGUFError.invalid(file: file.name, field: "tensor \"\(name)\"", reason: "rows of \(columns) do not split into \(info.type.name) blocks of \(info.type.blockSize)")
        }
        if Self.multipliedInPlace.contains(info.type) {
            type = info.type
            rowBytes = columns / info.type.blockSize * info.type.typeSize
            base = fileBase + file.dataOffset + info.offset
            owner = nil
        } else {
            let buffer = FloatBuffer(count: info.elementCount)
            let values = try file.floats(info)
            buffer.pointer.update(from: values, count: values.count)
            type = .f32
            rowBytes = columns * 4
            base = UnsafeRawPointer(buffer.pointer)
            owner = buffer
        }
    }

    /// A matrix over `rows` rows of encoded bytes at `base` (kept alive by the caller).
    public init(name: String, type: GGMLType, rows: Int, columns: Int, base: UnsafeRawPointer) {
        self.name = name
        self.type = type
        self.rows = rows
        self.columns = columns
        rowBytes = columns / type.blockSize * type.typeSize
        self.base = base
        owner = nil
    }

    /// Blocks per row.
    public var blocks: Int { columns / type.blockSize }

    /// out[r − rows.lowerBound] = W[r, :]·x for r in `rows`, x holding `columns` values.
    @inline(__always)
    public func multiply(_ x: QuantizedActivation, into out: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        let n = blocks
        switch type {
        case .q4_1, .q4_0:
            loupe_q4_rows(Int32(type.rawValue), base + rows.lowerBound * rowBytes, rowBytes, Int32(n), Int32(rows.count),
                          x.ordered, x.factors, out)
        case .q8_0:
            let half = HalfTable.table
            for r in rows {
                let row = base + r * rowBytes
                // The row four ahead, requested now: the 30 MB output head then streams at ~1.5× the
                // speed (a standalone loop over its 49,152 rows: 3.9 → 2.5 ms).
                if r + Self.q8PrefetchRows < self.rows {
                    var offset = Self.q8PrefetchRows * rowBytes
                    while offset < (Self.q8PrefetchRows + 1) * rowBytes { loupe_prefetch(row + offset); offset += 64 }
                }
                out[r - rows.lowerBound] = QuantizedDot.q8_0(row, x, blocks: n, half)
            }
        default:
            let w = base.assumingMemoryBound(to: Float.self)
            for r in rows { out[r - rows.lowerBound] = FloatRow.dot(w + r * columns, x.floats, count: columns) }
        }
    }

    /// How far ahead the Q8_0 loop prefetches, in rows (2, 4 and 8 measured; 4 best).
    static let q8PrefetchRows = 4

    /// outs[k][r − rows.lowerBound] = W[r, :]·xs[k] for r in `rows`: several activation rows
    /// (a batch of conversations) against the same weight rows. 4-bit rows are read once for
    /// four activations at a time (`loupe_q4_rows_x4`); each result is bit-identical
    /// to ``multiply(_:into:rows:)`` on its activation alone.
    public func multiply(_ xs: [QuantizedActivation], into outs: [UnsafeMutablePointer<Float>], rows: Range<Int>) {
        var k = 0
        if type == .q4_1 || type == .q4_0, !rows.isEmpty {
            let first = base + rows.lowerBound * rowBytes
            while k + 4 <= xs.count {
                let a = (xs[k], xs[k + 1], xs[k + 2], xs[k + 3])
                // Four-element C arrays on the stack (no heap arrays per tile of rows).
                var ordered = (UnsafePointer(a.0.ordered), UnsafePointer(a.1.ordered), UnsafePointer(a.2.ordered), UnsafePointer(a.3.ordered))
                var factors = (UnsafePointer(a.0.factors), UnsafePointer(a.1.factors), UnsafePointer(a.2.factors), UnsafePointer(a.3.factors))
                var y = (outs[k], outs[k + 1], outs[k + 2], outs[k + 3])
                Self.fourPointers(&ordered) { o in
                    Self.fourPointers(&factors) { f in
                        Self.fourPointers(&y) { yy in
                            loupe_q4_rows_x4(Int32(type.rawValue), first, rowBytes, Int32(blocks), Int32(rows.count), o, f, yy)
                        }
                    }
                }
                k += 4
            }
        }
        while k < xs.count {
            multiply(xs[k], into: outs[k], rows: rows)
            k += 1
        }
    }

    /// A tuple of four pointers as the C array `T *[4]` it lays out as.
    @inline(__always)
    static func fourPointers<T, R>(_ tuple: inout (T, T, T, T), _ body: (UnsafePointer<T?>) -> R) -> R {
        withUnsafeMutablePointer(to: &tuple) { $0.withMemoryRebound(to: T?.self, capacity: 4) { body(UnsafePointer($0)) } }
    }

    /// Writes rows `rows` as float32 into `out` [rows.count, columns].
    public func dequantize(rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let raw = UnsafeRawBufferPointer(start: base + rows.lowerBound * rowBytes, count: rows.count * rowBytes)
        // Cannot fail: the type and the byte count were checked when the matrix was made.
        try! GGMLDequantizer.dequantize(raw, type: type, count: rows.count * columns, into: out)
    }
}
