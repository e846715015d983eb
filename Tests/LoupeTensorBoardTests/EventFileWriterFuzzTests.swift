import Foundation
import LoupeCore
import LoupeTestSupport
import SwiftProtobuf
import Testing
@testable import LoupeTensorBoard

/// Deterministic fuzzing of the writer with hostile values of every kind (NaN, ±∞, subnormals,
/// extremes, empty and odd strings, mismatched buckets, extreme steps): each call either appends
/// one event that reads back as given or throws a ``TensorBoardError`` and appends nothing. A trap
/// fails the run.
struct EventFileWriterFuzzTests {
    static let doubles: [Double] = [0, -0.0, 1, -1, .nan, .infinity, -.infinity, .greatestFiniteMagnitude,
                                    -.greatestFiniteMagnitude, .leastNonzeroMagnitude, .leastNormalMagnitude / 4, 3.5e38, 0.1]
    static let strings = ["", " ", "a/b", "ünï ✓", "\u{0}", "_hparams_/experiment", String(repeating: "x", count: 5000)]

    @Test func hostileValuesWriteOrThrowTyped() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        let file = try FileHandle(forReadingFrom: writer.url)
        defer { try? file.close() }
        var rng = RandomGenerator(seed: 0x7B_F11E)
        func double() -> Double {
            rng.nextInt(below: 3) == 0 ? Double(rng.nextFloat()) * 100 - 50 : Self.doubles[rng.nextInt(below: Self.doubles.count)]
        }
        func string() -> String { Self.strings[rng.nextInt(below: Self.strings.count)] }
        func doubles() -> [Double] { (0..<rng.nextInt(below: 6)).map { _ in double() } }

        _ = try file.readToEnd()  // the file-version event
        var written = 0, refused = 0
        for round in 0..<2000 {
            let tag = string()
            var step = [0, -1, Int.max, Int.min, rng.nextInt(below: 1000)][rng.nextInt(below: 5)]
            // Each case writes, then says what the new event's summary value must hold.
            let attempt: Result<(Tensorboard_Summary.Value) -> Bool, TensorBoardError>
            switch rng.nextInt(below: 5) {
            case 0:
                let value = double()
                attempt = Result { () throws(TensorBoardError) in
                    try writer.addScalar(tag: tag, value: value, step: step)
                    return { $0.simpleValue.bitPattern == Float(value).bitPattern }
                }
            case 1:
                let text = string()
                attempt = Result { () throws(TensorBoardError) in
                    try writer.addText(tag: tag, text: text, step: step)
                    return { $0.tensor.stringVal == [Data(text.utf8)] }
                }
            case 2:
                let values = doubles(), bucketCount = rng.nextInt(below: 40) - 2
                attempt = Result { () throws(TensorBoardError) in
                    try writer.addHistogram(tag: tag, values: values, bucketCount: bucketCount, step: step)
                    return { $0.histo.num == Double(values.count) && $0.histo.bucket.reduce(0, +) == Double(values.count) }
                }
            case 3:
                let parts = (double(), double(), double(), double(), double(), doubles(), doubles())
                attempt = Result { () throws(TensorBoardError) in
                    let histogram = try TensorBoardHistogram(min: parts.0, max: parts.1, count: parts.2, sum: parts.3, sumSquares: parts.4,
                                                             bucketLimits: parts.5, bucketCounts: parts.6)
                    try writer.addHistogram(tag: tag, histogram, step: step)
                    return { $0.histo.bucketLimit == parts.5 && $0.histo.bucket == parts.6 }
                }
            default:
                let values: [HParamValue] = [.number(double()), .string(string()), .bool(rng.nextInt(below: 2) == 0)]
                let hparams = Dictionary([(string(), values[rng.nextInt(below: 3)]), (string(), values[rng.nextInt(below: 3)])]) { a, _ in a }
                step = 0  // session records are written at step 0
                attempt = Result { () throws(TensorBoardError) in
                    try writer.addHParamsSessionStart(hparams)
                    return { value in
                        let data = try? hparamsData(value)
                        return value.tag == "_hparams_/session_start_info" && data?.sessionStartInfo.hparams.count == hparams.count
                    }
                }
            }
            let appended = try TFRecordReader.records([UInt8](file.readToEnd() ?? Data()))
            switch attempt {
            case let .success(holds):
                written += 1
                try #require(appended.count == 1, "round \(round): \(appended.count) events appended")
                let event = try Tensorboard_Event(serializedBytes: appended[0])
                #expect(event.step == Int64(step) && event.summary.value.count == 1, "round \(round)")
                #expect(event.summary.value.first.map(holds) == true, "round \(round): the event does not read back as given")
            case let .failure(error):
                refused += 1
                #expect(appended.isEmpty, "round \(round): \(error), yet \(appended.count) events were appended")
            }
        }
        // Guards the generator: both outcomes must be common, or one path goes untested.
        #expect(written > 400 && refused > 400, "written \(written), refused \(refused)")
    }
}
