import Foundation
import LoupeGGUF
import Testing

/// Dequantization against gguf-py's reference (`gguf.quants.dequantize`), fixtures written by
/// scripts/golden/make_gguf_quant_fixtures.py.
struct GGUFDequantizeTests {
    struct Case: Decodable { let type: String; let elements: Int; let hex: String; let values: [Float] }
    struct Fixture: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "Fixtures/gguf_dequant", withExtension: "json")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases
    }()

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    @Test(arguments: cases.map(\.type))
    func matchesReference(type name: String) throws {
        let c = try #require(Self.cases.first { $0.type == name })
        let type = try #require(GGMLType.allCases.first { $0.name == name })
        var out = [Float](repeating: .nan, count: c.elements)
        try Self.bytes(c.hex).withUnsafeBytes { raw in
            try out.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(raw, type: type, count: c.elements, into: $0.baseAddress!) }
        }
        for (i, (got, want)) in zip(out, c.values).enumerated() {
            #expect(abs(got - want) <= 1e-6 * max(1, abs(want)), "\(name)[\(i)]: \(got) vs \(want)")
            if abs(got - want) > 1e-6 * max(1, abs(want)) { break }
        }
    }

    @Test func rejectsShortDataAndUnsupportedTypes() {
        var out = [Float](repeating: 0, count: 32)
        let short = [UInt8](repeating: 0, count: 10)
        #expect(throws: GGUFError.self) {
            try short.withUnsafeBytes { raw in try out.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(raw, type: .q8_0, count: 32, into: $0.baseAddress!) } }
        }
        #expect(throws: GGUFError.self) {
            try short.withUnsafeBytes { raw in try out.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(raw, type: .q5_0, count: 32, into: $0.baseAddress!) } }
        }
    }
}
