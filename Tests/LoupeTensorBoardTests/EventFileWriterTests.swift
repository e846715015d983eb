import Foundation
import LoupeCore
import LoupeTestSupport
import Testing
@testable import LoupeTensorBoard

struct EventFileWriterTests {
    @Test func namesTheFileAndStartsWithTheFileVersion() throws {
        let directory = try temporaryDirectory().appendingPathComponent("runs/a", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent().deletingLastPathComponent()) }
        let writer = try EventFileWriter(directory: directory, wallTime: 1_767_225_600.75, hostName: "box")
        #expect(writer.url.lastPathComponent == "events.out.tfevents.1767225600.box")
        #expect(try eventFile(in: directory) == writer.url, "the directory was created")
        let first = try events(at: writer.url)
        #expect(first.count == 1 && first[0].fileVersion == "brain.Event:2" && first[0].wallTime == 1_767_225_600.75 && first[0].step == 0)
    }

    @Test func aSecondWriterInTheSameSecondGetsItsOwnFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let a = try EventFileWriter(directory: directory, wallTime: 100, hostName: "box")
        let b = try EventFileWriter(directory: directory, wallTime: 100.5, hostName: "box")
        let c = try EventFileWriter(directory: directory, wallTime: 100.9, hostName: "box")
        #expect([a, b, c].map(\.url.lastPathComponent)
            == ["events.out.tfevents.100.box", "events.out.tfevents.100.box.1", "events.out.tfevents.100.box.2"])
        #expect(try events(at: a.url).count == 1 && events(at: c.url).count == 1)
    }

    @Test func scalarsRoundTripAsFloat32IncludingNonFinite() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        let values: [Double] = [0.1, -3, .nan, .infinity, -.infinity, 1e300, 0]
        for (step, value) in values.enumerated() {
            try writer.addScalar(tag: "train/loss", value: value, step: step * 10, wallTime: 50 + Double(step))
        }
        let written = summaryValues(try events(at: writer.url))
        #expect(written.map(\.step) == [0, 10, 20, 30, 40, 50, 60])
        #expect(written.allSatisfy { $0.value.tag == "train/loss" && !$0.value.hasMetadata })
        #expect(written.map { $0.value.simpleValue.bitPattern } == values.map { Float($0).bitPattern })
        #expect(try events(at: writer.url).dropFirst().map(\.wallTime) == (0..<7).map { 50 + Double($0) })
    }

    @Test func histogramsRoundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        try writer.addHistogram(tag: "fc.weight", values: [-1, 0, 0.5, 1], bucketCount: 2, step: 3)
        try writer.addHistogram(tag: "fc.bias", values: Tensor([2, 2, 2], shape: [3]), step: 4)
        let parts = try TensorBoardHistogram(min: -2, max: 9, count: 6, sum: 12, sumSquares: 100,
                                             bucketLimits: [-1, 0, 10], bucketCounts: [1, 0, 5])
        try writer.addHistogram(tag: "given", parts, step: 5)
        let written = summaryValues(try events(at: writer.url))
        #expect(written.map(\.step) == [3, 4, 5] && written.map(\.value.tag) == ["fc.weight", "fc.bias", "given"])
        let h = written.map(\.value.histo)
        #expect(h[0].min == -1 && h[0].max == 1 && h[0].num == 4 && h[0].sum == 0.5 && h[0].sumSquares == 2.25)
        #expect(h[0].bucketLimit == [0, 1] && h[0].bucket == [1, 3])
        #expect(h[1].bucketLimit == [2] && h[1].bucket == [3] && h[1].num == 3)
        #expect(h[2].min == -2 && h[2].max == 9 && h[2].num == 6 && h[2].sum == 12 && h[2].sumSquares == 100)
        #expect(h[2].bucketLimit == [-1, 0, 10] && h[2].bucket == [1, 0, 5])
    }

    @Test func anEmptyOrNonFiniteHistogramThrowsNamingTheTagAndWritesNothing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        #expect(throws: TensorBoardError.invalidHistogram(tag: "w", reason: "no values")) {
            try writer.addHistogram(tag: "w", values: [], step: 0)
        }
        #expect(throws: TensorBoardError.invalidHistogram(tag: "w", reason: "1 of 2 values are not finite (NaN or ±∞)")) {
            try writer.addHistogram(tag: "w", values: Tensor([1, .nan], shape: [2]), step: 0)
        }
        #expect(try events(at: writer.url).count == 1)
        #expect("\(TensorBoardError.invalidHistogram(tag: "w", reason: "no values"))" == "tensorboard: histogram \"w\": no values")
    }

    @Test func textIsAStringTensorForTheTextPlugin() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        let text = "# Run\nlr **0.01**, ünïcödé ✓\u{0}end"
        try writer.addText(tag: "notes", text: text, step: 7)
        let value = try #require(summaryValues(try events(at: writer.url)).first)
        #expect(value.step == 7 && value.value.tag == "notes")
        #expect(value.value.metadata.pluginData.pluginName == "text" && value.value.metadata.pluginData.content.isEmpty)
        let tensor = value.value.tensor
        #expect(tensor.dtype == .dtString && tensor.hasTensorShape && tensor.tensorShape.dim.isEmpty)
        #expect(tensor.stringVal == [Data(text.utf8)])
    }

    @Test func anEmptyTagIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        let refused = TensorBoardError.invalidTag(tag: "", reason: "a tag cannot be empty")
        #expect(throws: refused) { try writer.addScalar(tag: "", value: 1, step: 0) }
        #expect(throws: refused) { try writer.addText(tag: "", text: "x", step: 0) }
        #expect(throws: refused) { try writer.addHistogram(tag: "", values: [1], step: 0) }
        #expect(try events(at: writer.url).count == 1)
    }

    @Test func closeMakesLaterWritesThrow() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = try EventFileWriter(directory: directory)
        try writer.addScalar(tag: "a", value: 1, step: 0)
        try writer.flush()
        try writer.close()
        #expect(throws: TensorBoardError.closed(path: writer.url.path)) { try writer.addScalar(tag: "a", value: 2, step: 1) }
        #expect(try events(at: writer.url).count == 2)
    }

    @Test func anUnwritableDirectoryNamesIt() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("not-a-directory")
        try Data().write(to: file)
        let run = file.appendingPathComponent("run")
        #expect(throws: TensorBoardError.io(path: run.path, reason: "cannot create the directory: Not a directory")) {
            try EventFileWriter(directory: run)
        }
    }
}
