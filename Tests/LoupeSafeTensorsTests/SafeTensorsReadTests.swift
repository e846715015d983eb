import Foundation
import LoupeCore
import Testing
@testable import LoupeSafeTensors

/// Files written by Python's `safetensors` read back with the values the script recorded.
@Suite struct SafeTensorsReadTests {
    static let readFixtures = ["read_dtypes.safetensors", "read_numpy.safetensors",
                               "writer_mixed.safetensors", "writer_single.safetensors",
                               "writer_empty.safetensors", "writer_metadata_only.safetensors"]

    @Test(arguments: readFixtures)
    func readsPythonFileWithExactValues(_ name: String) throws {
        let file = try SafeTensors.read(contentsOf: Fixtures.url(name))
        let expected = Fixtures.tensors(name)
        #expect(Set(file.tensors.keys) == Set(expected.keys))
        #expect(file.metadata == Fixtures.metadata(name))
        for (tensorName, e) in expected {
            let t = try file.tensor(tensorName)
            #expect(t.dtype == e.dtype, "\(tensorName)")
            #expect(t.shape == e.shape, "\(tensorName)")
            #expect(bitPatterns(t) == e.bitPatterns, "\(tensorName)")
            let entry = try #require(file.entries.first { $0.name == tensorName })
            #expect(entry.dtype.rawValue == e.storedDType, "\(tensorName)")
        }
    }

    @Test func everyReadableDTypeIsCovered() {
        let stored = Set(Fixtures.tensors("read_dtypes.safetensors").values.map(\.storedDType))
        #expect(stored == Set(SafeTensorsDType.allCases.map(\.rawValue)))
    }

    @Test func convertsHalfBFloatAndBoolToFloat32() throws {
        let file = try SafeTensors.read(contentsOf: Fixtures.url("read_dtypes.safetensors"))
        let f16 = try file.tensor("f16").floats()
        #expect(f16[0] == 1 && f16[1] == 0 && f16[1].sign == .minus)
        #expect(f16[2] == .infinity && f16[3] == -.infinity && f16[6].isNaN)
        #expect(f16[4] == 0x1p-24 && f16[5] == 65504)
        #expect(try file.tensor("bf16").floats()[1] == -3.140625)
        #expect(try file.tensor("mask").floats() == [1, 0, 0, 1])
        #expect(try file.tensor("u8").ints() == [0, 255, 7])
        #expect(try file.tensor("scalar").shape == [])
        #expect(try file.tensor("empty").shape == [0, 3])
    }

    @Test func entriesAreInBufferOrderAndTileIt() throws {
        let data = Fixtures.data("read_dtypes.safetensors")
        let file = try SafeTensors.read(data: data, source: "fixture")
        var end = 0
        for e in file.entries {
            #expect(e.dataOffsets.lowerBound == end)
            end = e.dataOffsets.upperBound
        }
        let headerLength = data.prefix(8).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        #expect(8 + headerLength + end == data.count)
        #expect(file.names.first == "i64" && file.names.last == "mask")
        #expect(file.source == "fixture")
    }

    @Test func missingTensorNamesTheFileAndWhatItHas() throws {
        let file = try SafeTensors.read(contentsOf: Fixtures.url("writer_single.safetensors"))
        #expect(file["nope"] == nil)
        let error = try #require(throws: SafeTensorsError.self) { try file.tensor("nope") }
        #expect(error.description.contains("writer_single.safetensors"))
        #expect(error.description.contains("\"nope\"") && error.description.contains("\"attn.0\""))
    }

    @Test func readsFromADataSlice() throws {
        let bytes = Data([1, 2, 3]) + Fixtures.data("writer_single.safetensors")
        let file = try SafeTensors.read(data: bytes.dropFirst(3))
        #expect(try file.tensor("attn.0").floats() == [0, 1, 2, 3, 4, 5])
    }

    @Test func fileSystemErrorsAreIOErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("missing.safetensors")
        let e1 = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(contentsOf: missing) }
        #expect(e1 == .io(path: missing.path, reason: "no such file"))
        let e2 = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(contentsOf: dir) }
        #expect(e2.description.contains("is a directory"))
    }
}
