import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeTensorBoard

struct TFRecordWriterTests {
    /// The bytes tensorboard 2.21.0's `RecordWriter` writes for the records "hello" and "".
    @Test func framingMatchesTensorBoard() {
        let hello = TFRecordWriter.frame(Array("hello".utf8)), empty = TFRecordWriter.frame([])
        #expect(hex(hello) == "0500000000000000eab2043e68656c6c6fbb1f1c19")
        #expect(hex(empty) == "000000000000000029039807d8ea82a2")
    }

    @Test func batchesReadBackWithLengthsAndChecksums() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("data.tfrecord")
        let records: [[UInt8]] = [[], [0], Array("brain.Event:2".utf8), (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 7) }]
        let writer = try TFRecordWriter(creatingFileAt: url)
        try writer.write(Array(records[0..<2]))
        try writer.write(Array(records[2...]))
        #expect(try TFRecordReader.records(at: url) == records, "visible before flush or close")
        try writer.close()
        #expect(try TFRecordReader.records(at: url) == records)
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        #expect(size == records.map { $0.count + 16 }.reduce(0, +))
    }

    @Test func theReaderCatchesDamage() throws {
        let good = TFRecordWriter.frame(Array("hello".utf8))
        for i in good.indices {
            var bad = good
            bad[i] ^= 0x20
            #expect(throws: TFRecordReader.Corrupt.self, "byte \(i) flipped") { try TFRecordReader.records(bad) }
        }
        #expect(throws: TFRecordReader.Corrupt.self) { try TFRecordReader.records(Array(good.dropLast())) }
    }

    @Test func neverReplacesAFileAndRefusesWritesAfterClose() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("data.tfrecord")
        let writer = try TFRecordWriter(creatingFileAt: url)
        #expect(throws: TensorBoardError.io(path: url.path, reason: "cannot create the file: it already exists")) {
            try TFRecordWriter(creatingFileAt: url)
        }
        try writer.close()
        try writer.close()
        #expect(throws: TensorBoardError.closed(path: url.path)) { try writer.write([[1]]) }
        #expect(throws: TensorBoardError.closed(path: url.path)) { try writer.flush() }
    }

    @Test func aMissingDirectoryNamesTheFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent-loupe-dir/data.tfrecord")
        #expect(throws: TensorBoardError.io(path: url.path, reason: "cannot create the file: No such file or directory")) {
            try TFRecordWriter(creatingFileAt: url)
        }
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
