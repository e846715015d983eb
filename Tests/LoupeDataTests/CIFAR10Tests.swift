import LoupeCore
import Testing
@testable import LoupeData

@Suite("CIFAR-10 reader")
struct CIFAR10Tests {
    /// A record with `label` and every red pixel `r`, green `g`, blue `b`.
    func record(_ label: UInt8, _ r: UInt8, _ g: UInt8, _ b: UInt8) -> [UInt8] {
        [label] + [UInt8](repeating: r, count: 1024) + [UInt8](repeating: g, count: 1024) + [UInt8](repeating: b, count: 1024)
    }

    @Test("records become [N, 3, 32, 32] channels-first images in [0, 1] with their labels")
    func batch() throws {
        let data = try CIFAR10.parseBatch(record(3, 255, 0, 51) + record(9, 0, 102, 0), file: "b.bin")
        #expect(data.inputs.shape == [2, 3, 32, 32] && data.targets.ints() == [3, 9])
        let x = data.inputs.floats()
        #expect(x[0] == 1 && x[1024] == 0 && x[2048] == 0.2 && x[3072 + 1024] == 0.4)
    }

    @Test("train loads data_batch_1…5 in order, test loads test_batch.bin")
    func directory() throws {
        let dir = try TemporaryDirectory()
        for i in 1...5 { try dir.write("data_batch_\(i).bin", record(UInt8(i), 0, 0, 0)) }
        try dir.write("test_batch.bin", record(0, 0, 0, 0) + record(7, 0, 0, 0))
        let loaded = try BuiltinDatasets.load(name: "cifar10:" + dir.path)
        #expect(loaded.train.targets.ints() == [1, 2, 3, 4, 5] && loaded.train.inputs.shape == [5, 3, 32, 32])
        #expect(loaded.test?.targets.ints() == [0, 7])
    }

    @Test("a size that is not a multiple of 3,073 and a label above 9 are errors")
    func malformed() throws {
        #expect(dataErrorMessage { _ = try CIFAR10.parseBatch(Array(record(1, 0, 0, 0).dropLast()), file: "b.bin") }
            .contains("the file is 3072 bytes, expected a positive multiple of 3073"))
        #expect(throws: DataError.self) { _ = try CIFAR10.parseBatch([], file: "b.bin") }
        #expect(dataErrorMessage { _ = try CIFAR10.parseBatch(record(1, 0, 0, 0) + record(10, 0, 0, 0), file: "b.bin") }
            .contains("label of record 1 (byte 3073) is 10"))
        #expect(throws: DataError.self) { _ = try CIFAR10.load(directory: "/nonexistent") }
    }
}
