import Foundation
import LoupeCore
import Testing
@testable import LoupeData

@Suite("IDX / MNIST reader")
struct MNISTTests {
    @Test("mnist:DIR loads the gzipped training part and the raw t10k part of the committed fixture")
    func loadDirectory() throws {
        let loaded = try BuiltinDatasets.load(name: "mnist:" + fixture("mnist"))
        #expect(loaded.train.inputs.shape == [4, 28, 28])
        #expect(loaded.train.targets.ints() == [3, 1, 4, 1])
        // Pixel (image 1, row 2, column 3) was written as (1·37 + 2·28 + 3) % 256 = 96.
        #expect(loaded.train.inputs.floats()[784 + 2 * 28 + 3] == Float(96) / 255)
        let test = try #require(loaded.test)
        #expect(test.inputs.shape == [2, 28, 28] && test.targets.ints() == [5, 9])
        #expect(loaded.train.inputs.floats().allSatisfy { (0...1).contains($0) })
    }

    @Test("a wrong magic number, type or dimension count is reported with what was found")
    func badHeader() throws {
        #expect(dataErrorMessage { _ = try IDXReader.parse([0, 1, 8, 1, 0, 0, 0, 0], file: "x") }.contains("00 01 08 01"))
        #expect(dataErrorMessage { _ = try IDXReader.parse([0, 0, 0x0D, 1, 0, 0, 0, 0], file: "x") }.contains("expected 08"))
        let labels = idxBytes([2], [1, 2])
        #expect(dataErrorMessage { _ = try IDXReader.parse(labels, file: "x", dimensionCount: 3) }
            == "x: header field dimension count (byte 3) is 1, expected 3")
    }

    @Test("sizes are checked against the file length: truncated headers, data, and extra bytes")
    func badSizes() throws {
        let good = idxBytes([2, 2, 2], Array(0..<8))
        #expect(try IDXReader.parse(good, file: "x").dimensions == [2, 2, 2])
        #expect(dataErrorMessage { _ = try IDXReader.parse(Array(good.prefix(10)), file: "x") }.contains("header with 3 dimensions"))
        #expect(dataErrorMessage { _ = try IDXReader.parse(Array(good.dropLast()), file: "x") }
            == "x: the file is 23 bytes, expected 24 (16 header bytes + 2×2×2 values)")
        #expect(throws: DataError.self) { _ = try IDXReader.parse(good + [0], file: "x") }
        // A size field claiming 2³² − 1 rows must fail on the length check, not allocate.
        #expect(throws: DataError.self) { _ = try IDXReader.parse(idxBytes([0xFFFF_FFFF, 0xFFFF_FFFF], [1]), file: "x") }
        #expect(throws: DataError.self) { _ = try IDXReader.parse([0, 0], file: "x") }
    }

    @Test("image and label counts must agree; missing files are named")
    func mismatchedParts() throws {
        let dir = try TemporaryDirectory()
        try dir.write("train-images-idx3-ubyte", idxBytes([2, 1, 1], [0, 255]))
        try dir.write("train-labels-idx1-ubyte", idxBytes([3], [0, 1, 2]))
        #expect(dataErrorMessage { _ = try MNIST.load(directory: dir.path) }.contains("2 images but"))
        #expect(dataErrorMessage { _ = try MNIST.load(directory: dir.path, part: .test) }.contains("t10k-images-idx3-ubyte"))
    }

    @Test("gzip: several members are joined; corrupt and truncated data throw")
    func gzip() throws {
        let joined = try FileBytes.readDecompressing(fixture("two-members.gz"))
        #expect(String(decoding: joined, as: UTF8.self) == "first member\nsecond member\n")
        let compressed = try FileBytes.read(fixture("mnist/train-images-idx3-ubyte.gz"))
        #expect(try Gzip.decompress(compressed, file: "x").count == 16 + 4 * 784)
        // A file that decompresses past the limit (a "gzip bomb") is refused before it is all read.
        #expect(try Gzip.decompress(compressed, file: "x", limit: 16 + 4 * 784).count == 16 + 4 * 784)
        let bomb = dataErrorMessage { _ = try Gzip.decompress(compressed, file: "bomb.gz", limit: 3000) }
        #expect(bomb.contains("bomb.gz") && bomb.contains("decompresses to more than 3.0 KB"))
        #expect(dataErrorMessage { _ = try Gzip.decompress(Array(compressed.prefix(100)), file: "cut.gz") }.contains("cut.gz: cannot decompress"))
        var corrupt = compressed
        for i in 20..<60 { corrupt[i] ^= 0x5A }
        #expect(throws: DataError.self) { _ = try Gzip.decompress(corrupt, file: "bad.gz") }
        let dir = try TemporaryDirectory()
        let truncated = try dir.write("t.gz", Array(compressed.prefix(40)))
        #expect(throws: DataError.self) { _ = try MNIST.images(truncated) }
    }
}
