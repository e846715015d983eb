import Foundation
import LoupeCore
import Testing
@testable import LoupeSafeTensors

/// Loupe's writer against files written by Python's `safetensors.numpy.save_file`: the same
/// tensors must give the same bytes. The fixture script checks that Python reads those bytes back,
/// so Python reads what Loupe writes.
@Suite struct SafeTensorsWriteTests {
    static let writerFixtures = ["writer_mixed.safetensors", "writer_single.safetensors",
                                 "writer_empty.safetensors", "writer_metadata_only.safetensors"]

    @Test(arguments: writerFixtures)
    func serializeIsByteIdenticalToPython(_ name: String) throws {
        let tensors = Fixtures.tensors(name).mapValues(\.tensor)
        let ours = try SafeTensors.serialize(tensors, metadata: Fixtures.metadata(name))
        let python = Fixtures.data(name)
        #expect(ours.count == python.count)
        let firstDifference = zip(ours, python).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(ours == python, "first differing byte: \(firstDifference.map(String.init) ?? "none (lengths differ)")")
    }

    @Test func writeThenReadRoundTripsEveryDType() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        let tensors: [String: Tensor] = [
            "w": Tensor([1, -2, 3.5, .infinity, -0.0, .leastNonzeroMagnitude], shape: [2, 3]),
            "d": Tensor(float64: [.pi, -1e-300], shape: [2]),
            "ids": Tensor(indices: [Int.min, Int.max, 0], shape: [3]),
            "s": Tensor(scalar: 4),
            "none": Tensor.zeros([0, 5]),
        ]
        try SafeTensors.write(tensors, metadata: ["format": "pt", "epoch": "3"], to: url)
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file.metadata == ["format": "pt", "epoch": "3"])
        #expect(Set(file.names) == Set(tensors.keys))
        for (name, t) in tensors {
            let r = try file.tensor(name)
            #expect(r.dtype == t.dtype && r.shape == t.shape && bitPatterns(r) == bitPatterns(t), "\(name)")
        }
        #expect(try Data(contentsOf: url) == SafeTensors.serialize(tensors, metadata: ["format": "pt", "epoch": "3"]))
    }

    @Test func nonContiguousViewsAreWrittenInLogicalOrder() throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed()
        #expect(!x.isContiguous)
        let file = try SafeTensors.read(data: SafeTensors.serialize(["x": x]))
        #expect(try file.tensor("x").shape == [3, 2])
        #expect(try file.tensor("x").floats() == [1, 4, 2, 5, 3, 6])
    }

    @Test func metadataKeysAreWrittenInByteOrder() throws {
        let data = try SafeTensors.serialize([:], metadata: ["b": "2", "a": "1", "é": "3", "Z": "0"])
        let header = String(decoding: data.dropFirst(8), as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"Z":"0","a":"1","b":"2","é":"3"}}"#))
        #expect((data.count - 8) % 8 == 0)
    }

    @Test func reservedNameIsRejected() throws {
        let error = try #require(throws: SafeTensorsError.self) {
            try SafeTensors.serialize(["__metadata__": Tensor.zeros([1])])
        }
        #expect(error.tensor == "__metadata__")
    }

    @Test func writeReplacesAnExistingFileAndLeavesNoTemporaryFiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("w.safetensors")
        try Data("old contents".utf8).write(to: url)
        try SafeTensors.write(["a": Tensor([1, 2], shape: [2])], to: url)
        #expect(try SafeTensors.read(contentsOf: url).tensor("a").floats() == [1, 2])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["w.safetensors"])
    }

    @Test func failedWriteLeavesTheTargetUntouched() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The target is a non-empty directory: rename(2) over it fails after the data was written.
        let target = dir.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data("keep".utf8).write(to: target.appendingPathComponent("inside"))
        let error = try #require(throws: SafeTensorsError.self) {
            try SafeTensors.write(["a": Tensor([1], shape: [1])], to: target)
        }
        #expect(error.description.contains(target.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["occupied"])
        #expect(try Data(contentsOf: target.appendingPathComponent("inside")) == Data("keep".utf8))

        // A directory that does not exist: nothing is created.
        let nowhere = dir.appendingPathComponent("no/such/dir/x.safetensors")
        #expect(throws: SafeTensorsError.self) { try SafeTensors.write([:], to: nowhere) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["occupied"])
    }
}
