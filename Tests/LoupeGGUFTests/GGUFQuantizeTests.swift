import Foundation
import LoupeGGUF
import LoupeTestSupport
import Testing

/// GGUF quantization and writing against gguf-py (`gguf.quants.quantize`, `GGUFWriter`), fixtures
/// written by scripts/golden/make_gguf_quantize_fixtures.py.
struct GGUFQuantizeTests {
    struct Case: Decodable {
        let name: String, floats: String
        let Q8_0: String, Q4_0: String, Q4_1: String
        func hex(_ type: GGMLType) -> String { type == .q8_0 ? Q8_0 : type == .q4_0 ? Q4_0 : Q4_1 }
    }
    struct Fixture: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "Fixtures/gguf_quantize", withExtension: "json")!
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url)).cases
    }()

    static func floats(_ hex: String) -> [Float] {
        let bytes = GGUFDequantizeTests.bytes(hex)
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }

    @Test(arguments: [GGMLType.q8_0, .q4_0, .q4_1])
    func blocksAreBitIdenticalToGGUFPy(type: GGMLType) throws {
        for c in Self.cases {
            let got = GGMLQuantizer.quantize(Self.floats(c.floats), as: type)
            let want = GGUFDequantizeTests.bytes(c.hex(type))
            #expect(got.count == want.count, "\(c.name) \(type.name)")
            if let i = zip(got, want).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                Issue.record("\(c.name) \(type.name): byte \(i) (block \(i / type.typeSize)) is \(got[i]), gguf-py wrote \(want[i])")
            }
        }
    }

    @Test func quantizedValuesAreWithinHalfAStep() throws {
        let values = Self.floats(Self.cases[0].floats)
        for type in GGMLQuantizer.writable {
            var back = [Float](repeating: 0, count: values.count)
            try GGMLQuantizer.quantize(values, as: type).withUnsafeBytes { raw in
                try back.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(raw, type: type, count: values.count, into: $0.baseAddress!) }
            }
            for b in 0..<(values.count / 32) {
                let block = values[(b * 32)..<(b * 32 + 32)]
                let range = block.max()! - block.min()!, amax = block.map(abs).max()!
                let step = type == .q8_0 ? amax / 127 : type == .q4_0 ? amax / 8 : range / 15
                // Half a step, plus the f16 rounding of the scale; Q4_0's codes reach −8 steps on the
                // extreme's side but only +7 on the other, where values clip by up to a whole step.
                let bound = (type == .q4_0 ? step : step * 0.5) + amax * 0.01 + 1e-6
                for i in (b * 32)..<(b * 32 + 32) {
                    #expect(abs(back[i] - values[i]) <= bound, "\(type.name)[\(i)]")
                }
            }
        }
    }

    @Test func writerReproducesGGUFPyByteForByte() throws {
        let url = Bundle.module.url(forResource: "Fixtures/gguf_writer", withExtension: "gguf")!
        let original = try Data(contentsOf: url)
        let file = try GGUFFile(data: original, name: url.path)
        let tensors = file.tensors.map { GGUFTensorData(name: $0.name, shape: $0.shape, type: $0.type, bytes: Data(file.bytes(of: $0))) }
        let written = try GGUFWriter(metadata: file.metadata, tensors: tensors, emptyArrayElementTypes: file.emptyArrayElementTypes).serialize()
        #expect(written.count == original.count)
        #expect(written == original)
    }

    /// A small model-shaped GGUF: two weight matrices, a norm, tied embeddings.
    static func sourceModel(in dir: URL, rows: Int = 8, columns: Int = 64) throws -> (URL, [String: [Float]]) {
        var rng = SystemRandomNumberGenerator()
        func values(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -1...1, using: &rng) } }
        let shapes: [(String, [Int])] = [("token_embd.weight", [columns, rows]), ("blk.0.attn_norm.weight", [columns]),
                                         ("blk.0.ffn_up.weight", [columns, rows]), ("blk.0.odd.weight", [40, 2])]
        var floats: [String: [Float]] = [:]
        var tensors: [GGUFTensorData] = []
        for (name, shape) in shapes {
            let v = values(shape.reduce(1, *))
            floats[name] = v
            tensors.append(GGUFTensorData(name: name, shape: shape, type: .f32, bytes: v.withUnsafeBytes { Data($0) }))
        }
        let url = dir.appendingPathComponent("source.gguf")
        try GGUFWriter(metadata: [("general.architecture", .string("llama")), ("general.file_type", .uint32(0)),
                                  ("tokenizer.ggml.tokens", .array([.string("a"), .string("b")])), ("test.empty", .array([]))],
                       tensors: tensors, emptyArrayElementTypes: ["test.empty": 8]).write(to: url)
        return (url, floats)
    }

    @Test(arguments: [GGMLType.q8_0, .q4_0, .q4_1])
    func quantizesAModelThatTheReaderValidates(type: GGMLType) throws {
        let dir = try temporaryDirectory()
        let (source, floats) = try Self.sourceModel(in: dir)
        let before = try Data(contentsOf: source)
        let output = dir.appendingPathComponent("out.gguf")
        let result = try GGUFQuantization(type: type).run(input: source, output: output)
        #expect(try Data(contentsOf: source) == before, "the input is never modified")
        let file = try GGUFFile(contentsOf: output)
        #expect(file["general.file_type"] == .uint32(GGUFQuantization.fileType(type)!))
        #expect(file["general.quantization_version"] == .uint32(2))
        #expect(file["tokenizer.ggml.tokens"] == .array([.string("a"), .string("b")]))
        #expect(file.emptyArrayElementTypes["test.empty"] == 8)
        #expect(file.tensors.map(\.name) == ["token_embd.weight", "blk.0.attn_norm.weight", "blk.0.ffn_up.weight", "blk.0.odd.weight"])
        #expect(file.tensors.map(\.type) == [type, .f32, type, .f32], "norms and rows not a multiple of 32 stay F32")
        for name in ["token_embd.weight", "blk.0.ffn_up.weight"] {
            #expect([UInt8](file.bytes(of: file.tensor(name)!)) == GGMLQuantizer.quantize(floats[name]!, as: type))
        }
        #expect(try file.floats(file.tensor("blk.0.attn_norm.weight")!) == floats["blk.0.attn_norm.weight"]!)
        #expect(result.quantized == 2)
        #expect(result.outputBytes == (try Data(contentsOf: output)).count)
        #expect(result.bitsPerWeight < 32)
    }

    @Test func keepsTheOutputProjectionOnRequest() throws {
        let dir = try temporaryDirectory()
        let (source, _) = try Self.sourceModel(in: dir)
        let output = dir.appendingPathComponent("kept.gguf")
        _ = try GGUFQuantization(type: .q4_0, keep: [.output]).run(input: source, output: output)
        let file = try GGUFFile(contentsOf: output)
        // Tied embeddings: token_embd is the output projection.
        #expect(file.tensor("token_embd.weight")?.type == .f32)
        #expect(file.tensor("blk.0.ffn_up.weight")?.type == .q4_0)
        let plan = try GGUFQuantization(type: .q4_0, keep: [.embeddings]).plan(GGUFFile(contentsOf: source))
        #expect(plan.first { $0.name == "token_embd.weight" }?.action == .copy("kept (--keep embeddings)"))
    }

    @Test func refusesBadRequests() throws {
        let dir = try temporaryDirectory()
        let (source, _) = try Self.sourceModel(in: dir)
        let before = try Data(contentsOf: source)
        #expect(throws: GGUFError.self) { try GGUFQuantization(type: .q4_K) }
        do {
            _ = try GGUFQuantization(type: .q8_0).run(input: source, output: source)
            Issue.record("writing over the input must be refused")
        } catch let error as GGUFError {
            #expect("\(error)".contains("is the input model"))
        }
        // Another name for the same file.
        let link = dir.appendingPathComponent("link.gguf")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: source)
        #expect(throws: GGUFError.self) { try GGUFQuantization(type: .q8_0).run(input: source, output: link) }
        #expect(try Data(contentsOf: source) == before)

        // A non-finite weight names the tensor and the element.
        var bad: [Float] = Array(repeating: 0.5, count: 64)
        bad[7] = .nan
        let badURL = dir.appendingPathComponent("nan.gguf")
        try GGUFWriter(metadata: [], tensors: [GGUFTensorData(name: "w.weight", shape: [32, 2], type: .f32, bytes: bad.withUnsafeBytes { Data($0) })]).write(to: badURL)
        do {
            _ = try GGUFQuantization(type: .q8_0).run(input: badURL, output: dir.appendingPathComponent("x.gguf"))
            Issue.record("a NaN weight must be refused")
        } catch let error as GGUFError {
            #expect("\(error)".contains("\"w.weight\"") && "\(error)".contains("element 7"))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.gguf").path))
    }

    @Test func writerRefusesInconsistentTensors() {
        let short = GGUFTensorData(name: "t", shape: [32, 2], type: .q8_0, bytes: Data(count: 10))
        #expect(throws: GGUFError.self) { try GGUFWriter(metadata: [], tensors: [short]).serialize() }
        let unaligned = GGUFTensorData(name: "t", shape: [33], type: .q8_0, bytes: Data(count: 34))
        #expect(throws: GGUFError.self) { try GGUFWriter(metadata: [], tensors: [unaligned]).serialize() }
        #expect(throws: GGUFError.self) { try GGUFWriter(metadata: [("k", .array([]))], tensors: []).serialize() }
        #expect(throws: GGUFError.self) { try GGUFWriter(metadata: [("k", .array([.uint8(1), .string("x")]))], tensors: []).serialize() }
    }
}

struct GGUFQuantizationDocExampleTests {
    @Test func quantizationExample() throws {
        let dir = try temporaryDirectory()
        let (source, _) = try GGUFQuantizeTests.sourceModel(in: dir)
        let target = dir.appendingPathComponent("target.gguf")
        // example: GGUFQuantization
        let job = try GGUFQuantization(type: .q8_0, keep: [.output])
        let result = try job.run(input: source, output: target)   // source: an F16 model, say
        let bitsPerWeight = result.bitsPerWeight
        // end example
        #expect(bitsPerWeight > 8 && bitsPerWeight < 32)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeGGUF/Quantize/GGUFQuantization.swift", markedAs: "GGUFQuantization", in: #filePath) == nil)
    }
}
