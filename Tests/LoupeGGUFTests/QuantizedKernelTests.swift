import CLoupeKernels
import Foundation
import LoupeCore
@testable import LoupeGGUF
import Testing

/// The quantized matrix–vector kernels against dequantize-then-multiply in double precision,
/// on random blocks of every type the fast path reads, including the types SmolLM2 does not use.
struct QuantizedKernelTests {
    /// Random blocks: f16 scales in a realistic range, random codes.
    static func randomBlocks(_ type: GGMLType, rows: Int, columns: Int, rng: inout RandomGenerator) -> [UInt8] {
        let blocks = rows * columns / 32
        var bytes = [UInt8](repeating: 0, count: blocks * type.typeSize)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
        for b in 0..<blocks {
            let base = b * type.typeSize
            let scale = Float16(Float(rng.next() % 1000 + 1) / 40_000)
            withUnsafeBytes(of: scale.bitPattern.littleEndian) { bytes.replaceSubrange(base..<(base + 2), with: $0) }
            if type == .q4_1 {
                let m = Float16(-Float(rng.next() % 1000) / 20_000)
                withUnsafeBytes(of: m.bitPattern.littleEndian) { bytes.replaceSubrange((base + 2)..<(base + 4), with: $0) }
            }
        }
        return bytes
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func matchesDequantizedProducts(type: GGMLType) throws {
        var rng = RandomGenerator(seed: UInt64(type.rawValue))
        let rows = 37, columns = 96   // odd rows: the two-row kernels' tail runs too
        let bytes = Self.randomBlocks(type, rows: rows, columns: columns, rng: &rng)
        var x = (0..<columns).map { _ in Float(Double(rng.next() % 20_001) / 10_000 - 1) }
        x[5] = 40   // an outlier, like the model's massive activations
        var weights = [Float](repeating: 0, count: rows * columns)
        try bytes.withUnsafeBytes { raw in
            try weights.withUnsafeMutableBufferPointer {
                try GGMLDequantizer.dequantize(raw, type: type, count: rows * columns, into: $0.baseAddress!)
            }
        }
        var out = [Float](repeating: .nan, count: rows)
        bytes.withUnsafeBytes { raw in
            let matrix = QuantizedMatrix(name: "w", type: type, rows: rows, columns: columns, base: raw.baseAddress!)
            x.withUnsafeBufferPointer { xb in
                QuantizedActivation.withScratch(rows: 1, columns: columns) { scratch in
                    let a = QuantizedActivation(xb.baseAddress!, row: 0, of: scratch)
                    out.withUnsafeMutableBufferPointer { o in
                        matrix.multiply(a, into: o.baseAddress!, rows: 0..<rows)
                        // A sub-range writes only its own rows, from the start of `into`.
                        var part = [Float](repeating: .nan, count: 5)
                        part.withUnsafeMutableBufferPointer { matrix.multiply(a, into: $0.baseAddress!, rows: 30..<35) }
                        #expect(part == Array(o[30..<35]), "rows must not depend on how a range is split")
                    }
                }
            }
        }
        for r in 0..<rows {
            var exact = 0.0, magnitude = 0.0
            for c in 0..<columns {
                exact += Double(weights[r * columns + c]) * Double(x[c])
                magnitude += abs(Double(weights[r * columns + c]) * Double(x[c]))
            }
            // int16 activations: relative rounding 1/32767 of each block's largest |x|.
            #expect(abs(Double(out[r]) - exact) <= 2e-4 * magnitude + 1e-6, "\(type.name) row \(r): \(out[r]) vs \(exact)")
        }
    }

    @Test func nonFiniteActivationsGiveNaNNotACrash() {
        var bytes = [UInt8](repeating: 0x11, count: 2 * 34)
        bytes[0] = 0; bytes[1] = 0x3C; bytes[34] = 0; bytes[35] = 0x3C   // scale 1.0
        var x = [Float](repeating: 1, count: 32)
        x[3] = .nan
        var out: [Float] = [0, 0]
        bytes.withUnsafeBytes { raw in
            let matrix = QuantizedMatrix(name: "w", type: .q8_0, rows: 2, columns: 32, base: raw.baseAddress!)
            x.withUnsafeBufferPointer { xb in
                QuantizedActivation.withScratch(rows: 1, columns: 32) { scratch in
                    let a = QuantizedActivation(xb.baseAddress!, row: 0, of: scratch)
                    out.withUnsafeMutableBufferPointer { matrix.multiply(a, into: $0.baseAddress!, rows: 0..<2) }
                }
            }
        }
        #expect(out[0].isNaN && out[1].isNaN)
    }

    /// out[k] = W·x_k through `multiply` (k alone) and through the batched four-at-a-time path.
    static func products(_ type: GGMLType, _ bytes: [UInt8], rows: Int, columns: Int, _ xs: [[Float]]) -> (alone: [[Float]], batched: [[Float]]) {
        var alone = xs.map { _ in [Float](repeating: .nan, count: rows) }
        var batched = alone
        bytes.withUnsafeBytes { raw in
            let matrix = QuantizedMatrix(name: "w", type: type, rows: rows, columns: columns, base: raw.baseAddress!)
            let flat = xs.flatMap { $0 }
            flat.withUnsafeBufferPointer { xb in
                QuantizedActivation.withScratch(rows: xs.count, columns: columns) { scratch in
                    let activations = xs.indices.map { QuantizedActivation(xb.baseAddress! + $0 * columns, row: $0, of: scratch) }
                    for k in xs.indices {
                        alone[k].withUnsafeMutableBufferPointer { matrix.multiply(activations[k], into: $0.baseAddress!, rows: 0..<rows) }
                    }
                    let outs = xs.indices.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: rows) }
                    defer { outs.forEach { $0.deallocate() } }
                    matrix.multiply(activations, into: outs, rows: 0..<rows)
                    for k in xs.indices { batched[k] = Array(UnsafeBufferPointer(start: outs[k], count: rows)) }
                }
            }
        }
        return (alone, batched)
    }

    /// The 4-bit C kernels: AVX-512 VNNI, AVX2 and portable C give the same bits, a row's result
    /// does not depend on the batch it is in, and odd block and row counts take the tail paths.
    @Test(arguments: [GGMLType.q4_0, .q4_1])
    func everyInstructionSetGivesTheSameBits(type: GGMLType) {
        var rng = RandomGenerator(seed: 40 + UInt64(type.rawValue))
        for (rows, columns) in [(1, 32), (7, 160), (33, 576), (4, 1536)] {
            let bytes = Self.randomBlocks(type, rows: rows, columns: columns, rng: &rng)
            var xs: [[Float]] = []
            for k in 0..<5 {
                var x = [Float](repeating: 0, count: columns)
                for c in 0..<columns { x[c] = Float(Double(rng.next() % 20_001) / 10_000 - 1) }
                x[3 * k] = Float(30 + k)   // an outlier in a different block of each row
                xs.append(x)
            }
            var results: [Int32: [[Float]]] = [:]
            for isa in [Int32(2), 1, 0] {
                let used = loupe_i8_force_isa(isa)
                let (alone, batched) = Self.products(type, bytes, rows: rows, columns: columns, xs)
                #expect(alone == batched, "\(type.name) \(rows)x\(columns) isa \(used): batched rows differ from alone")
                results[used] = alone
            }
            _ = loupe_i8_force_isa(-1)
            let reference = results[0]!
            for (isa, r) in results { #expect(r == reference, "\(type.name) \(rows)x\(columns): isa \(isa) differs from portable C") }
        }
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1])
    func nonFiniteActivationsGiveNaNInFourBitRows(type: GGMLType) {
        var rng = RandomGenerator(seed: 7)
        let bytes = Self.randomBlocks(type, rows: 3, columns: 96, rng: &rng)
        var x = [Float](repeating: 0.5, count: 96)
        x[70] = .infinity
        let (alone, batched) = Self.products(type, bytes, rows: 3, columns: 96, [x, x, x, x])
        #expect(alone.allSatisfy { $0.allSatisfy(\.isNaN) } && batched.allSatisfy { $0.allSatisfy(\.isNaN) })
    }
}
