import Foundation
import LoupeCore
import LoupeGGUF
import Testing

/// Builds GGUF bytes by the format's spec (little-endian; strings as u64 length + bytes), so the
/// reader is checked against files it did not write itself.
struct GGUFBuilder {
    var bytes: [UInt8] = []
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    mutating func pad(to alignment: Int) { while bytes.count % alignment != 0 { bytes.append(0) } }

    /// A version-`version` file: every metadata type, an F32 [4, 2] and a Q8_0 [32] tensor.
    static func sample(version: UInt32 = 3) -> (data: Data, f32: [Float]) {
        var b = GGUFBuilder()
        b.u32(0x4655_4747); b.u32(version)
        b.u64(2)   // tensors
        b.u64(15)  // metadata entries
        b.string("general.architecture"); b.u32(8); b.string("llama")
        b.string("u8"); b.u32(0); b.u8(200)
        b.string("i8"); b.u32(1); b.u8(0xFF)
        b.string("u16"); b.u32(2); b.u8(0x34); b.u8(0x12)
        b.string("i16"); b.u32(3); b.u8(0xFE); b.u8(0xFF)
        b.string("u32"); b.u32(4); b.u32(4_000_000_000)
        b.string("i32"); b.u32(5); b.u32(UInt32(bitPattern: -7))
        b.string("f32"); b.u32(6); b.u32(Float(1.5).bitPattern)
        b.string("yes"); b.u32(7); b.u8(1)
        b.string("u64"); b.u32(10); b.u64(1 << 40)
        b.string("i64"); b.u32(11); b.u64(UInt64(bitPattern: -3))
        b.string("f64"); b.u32(12); b.u64(Double(0.25).bitPattern)
        b.string("tokens"); b.u32(9); b.u32(8); b.u64(3); b.string("a"); b.string("é"); b.string("<|im_start|>")
        b.string("nested"); b.u32(9); b.u32(9); b.u64(1); b.u32(4); b.u64(2); b.u32(1); b.u32(2)
        b.string("general.alignment"); b.u32(4); b.u32(64)
        b.string("weight"); b.u32(2); b.u64(4); b.u64(2); b.u32(0); b.u64(0)
        b.string("quant"); b.u32(1); b.u64(32); b.u32(8); b.u64(64)
        b.pad(to: 64)
        let f32: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        for v in f32 { b.u32(v.bitPattern) }
        b.pad(to: 64)
        b.bytes += [0x00, 0x3C] + (0..<32).map { UInt8($0) }   // Q8_0 block: f16 1.0, then 32 int8
        return (Data(b.bytes), f32)
    }
}

struct GGUFTests {
    @Test(arguments: [UInt32(2), 3])
    func readsEveryValueTypeAndTensor(version: UInt32) throws {
        let (data, f32) = GGUFBuilder.sample(version: version)
        let file = try GGUFFile(data: data, name: "sample.gguf")
        #expect(file.version == Int(version) && file.alignment == 64)
        #expect(file["general.architecture"]?.string == "llama")
        #expect(file["u8"] == .uint8(200) && file["i8"] == .int8(-1) && file["u16"] == .uint16(0x1234) && file["i16"] == .int16(-2))
        #expect(file["u32"]?.int == 4_000_000_000 && file["i32"]?.int == -7 && file["f32"]?.double == 1.5 && file["yes"]?.bool == true)
        #expect(file["u64"]?.int == 1 << 40 && file["i64"]?.int == -3 && file["f64"]?.double == 0.25)
        #expect(file["tokens"]?.array?.compactMap(\.string) == ["a", "é", "<|im_start|>"])
        #expect(file["nested"] == .array([.array([.uint32(1), .uint32(2)])]))
        #expect(file.metadata.map(\.key).first == "general.architecture")
        let weight = try #require(file.tensor("weight"))
        #expect(weight.shape == [4, 2] && weight.type == .f32 && weight.byteCount == 32)
        let values = file.bytes(of: weight).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values == f32)
        let quant = try #require(file.tensor("quant"))
        #expect(quant.type == .q8_0 && quant.byteCount == 34 && file.dataOffset % 64 == 0)
        #expect(Array(file.bytes(of: quant).prefix(3)) == [0x00, 0x3C, 0x00])
    }

    @Test func readsFromDiskMapped() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-\(UUID().uuidString).gguf")
        try GGUFBuilder.sample().data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try GGUFFile(contentsOf: url)
        #expect(file.tensors.count == 2 && file.name == url.path)
    }

    @Test func rejectsWhatIsNotGGUF() {
        var data = GGUFBuilder.sample().data
        data[0] = 0x00
        #expect(throws: GGUFError.notGGUF(file: "x")) { try GGUFFile(data: data, name: "x") }
        var v1 = GGUFBuilder.sample().data
        v1[4] = 1
        #expect(throws: GGUFError.unsupportedVersion(file: "x", version: 1)) { try GGUFFile(data: v1, name: "x") }
        #expect(throws: GGUFError.self) { try GGUFFile(data: Data(), name: "x") }
    }

    @Test func everyTruncationIsAnError() {
        let data = GGUFBuilder.sample().data
        for n in 0..<data.count {
            #expect(throws: GGUFError.self, "prefix of \(n) bytes") { try GGUFFile(data: data.prefix(n), name: "t") }
        }
    }

    @Test func absurdCountsAreRejectedBeforeAllocating() {
        var data = GGUFBuilder.sample().data
        data.replaceSubrange(16..<24, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])   // metadata_kv_count
        #expect {
            try GGUFFile(data: data, name: "x")
        } throws: { error in
            "\(error)".contains("metadata_kv_count") && "\(error)".contains("cannot fit")
        }
    }

    /// A file with one tensor and no metadata, followed by `dataBytes` zero bytes of data.
    static func oneTensor(_ name: String, elements: UInt64, type: UInt32, offset: UInt64, dataBytes: Int) -> Data {
        var b = GGUFBuilder()
        b.u32(0x4655_4747); b.u32(3); b.u64(1); b.u64(0)
        b.string(name); b.u32(1); b.u64(elements); b.u32(type); b.u64(offset)
        b.pad(to: 32)
        b.bytes += [UInt8](repeating: 0, count: dataBytes)
        return Data(b.bytes)
    }

    @Test func tensorChecksNameTheTensor() throws {
        // A Q8_0 row of 40 elements is not whole blocks of 32.
        #expect { try GGUFFile(data: Self.oneTensor("bad", elements: 40, type: 8, offset: 0, dataBytes: 68), name: "x") }
            throws: { "\($0)".contains("\"bad\"") && "\($0)".contains("block") }
        // Data running past the end of the file.
        #expect { try GGUFFile(data: Self.oneTensor("big", elements: 1024, type: 0, offset: 0, dataBytes: 100), name: "x") }
            throws: { "\($0)".contains("\"big\"") && "\($0)".contains("truncated") }
        // A misaligned offset.
        #expect { try GGUFFile(data: Self.oneTensor("odd", elements: 1, type: 0, offset: 3, dataBytes: 64), name: "x") }
            throws: { "\($0)".contains("alignment") }
        // Two tensors sharing bytes: the sample's Q8_0 tensor moved onto the F32 one.
        var overlapping = [UInt8](GGUFBuilder.sample().data)
        let name = Array("quant".utf8)
        let nameEnd = try #require((0...(overlapping.count - name.count)).first { Array(overlapping[$0..<($0 + name.count)]) == name }) + name.count
        let offsetAt = nameEnd + 4 + 8 + 4   // n_dims u32, dim u64, type u32
        #expect(overlapping[offsetAt] == 64)
        overlapping[offsetAt] = 0
        #expect { try GGUFFile(data: Data(overlapping), name: "x.gguf") }
            throws: { "\($0)" == "x.gguf: tensor \"quant\" offset: its bytes 0..<34 overlap tensor \"weight\"'s 0..<32 (offsets are from the data section)" }
        // The same file, well formed, parses.
        #expect(try GGUFFile(data: Self.oneTensor("ok", elements: 1, type: 0, offset: 0, dataBytes: 4), name: "x").tensors.count == 1)
    }

    @Test func randomMutationsNeverCrash() {
        let original = GGUFBuilder.sample().data
        var rng = RandomGenerator(seed: 42)
        var parsed = 0
        for _ in 0..<3000 {
            var data = original
            for _ in 0..<(1 + rng.nextInt(below: 4)) {
                data[rng.nextInt(below: data.count)] = UInt8(rng.nextInt(below: 256))
            }
            if (try? GGUFFile(data: data, name: "m")) != nil { parsed += 1 }
        }
        #expect(parsed > 0, "mutations inside tensor data still parse")
    }
}
