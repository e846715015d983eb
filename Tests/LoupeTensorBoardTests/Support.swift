import Foundation
import SwiftProtobuf
@testable import LoupeTensorBoard

/// A TFRecord reader written from the format's description, independent of the writer: it checks
/// every length and both masked CRCs, and rejects trailing bytes.
enum TFRecordReader {
    struct Corrupt: Error, CustomStringConvertible {
        let description: String
    }

    static func records(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = [], at = 0
        func uint32(_ i: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[i + $1]) << (8 * $1) } }
        while at < bytes.count {
            guard bytes.count - at >= 16 else { throw Corrupt(description: "a record cut short at byte \(at)") }
            let header = Array(bytes[at..<at + 8])
            let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(header[$1]) << (8 * $1) }
            guard uint32(at + 8) == CRC32C.masked(CRC32C.checksum(header)) else {
                throw Corrupt(description: "the length CRC of the record at byte \(at) does not match")
            }
            guard length <= UInt64(bytes.count - at - 16) else { throw Corrupt(description: "the record at byte \(at) is cut short") }
            let start = at + 12, end = start + Int(length)
            let data = Array(bytes[start..<end])
            guard uint32(end) == CRC32C.masked(CRC32C.checksum(data)) else {
                throw Corrupt(description: "the data CRC of the record at byte \(at) does not match")
            }
            records.append(data)
            at = end + 4
        }
        return records
    }

    static func records(at url: URL) throws -> [[UInt8]] {
        try records([UInt8](Data(contentsOf: url)))
    }
}

/// The events of an event file, decoded with the generated messages.
func events(at url: URL) throws -> [Tensorboard_Event] {
    try TFRecordReader.records(at: url).map { try Tensorboard_Event(serializedBytes: $0) }
}

/// The one event file `directory` holds.
func eventFile(in directory: URL) throws -> URL {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("events.out.tfevents.") }
    guard names.count == 1 else { throw TFRecordReader.Corrupt(description: "expected one event file in \(directory.path), found \(names)") }
    return directory.appendingPathComponent(names[0])
}

/// The summary values of `events` (the file-version event aside), with their steps.
func summaryValues(_ events: [Tensorboard_Event]) -> [(step: Int64, value: Tensorboard_Summary.Value)] {
    events.filter { $0.summary.value.count > 0 }.flatMap { event in event.summary.value.map { (event.step, $0) } }
}

/// The HParamsPluginData a `_hparams_/…` value carries, with its version checked by the caller.
func hparamsData(_ value: Tensorboard_Summary.Value) throws -> Tensorboard_Hparams_HParamsPluginData {
    try Tensorboard_Hparams_HParamsPluginData(serializedBytes: value.metadata.pluginData.content)
}
