import Foundation
import LoupeTensorBoard
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeTensorBoard, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func eventFileWriterExample() throws {
        let runDirectory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        // example: EventFileWriter
        let writer = try EventFileWriter(directory: runDirectory)
        for step in 0..<3 {
            try writer.addScalar(tag: "train/loss", value: 1 / Double(step + 1), step: step)
        }
        try writer.addHistogram(tag: "fc.weight", values: [-0.2, 0.1, 0.3], step: 2)
        try writer.addText(tag: "notes", text: "lr 0.01, *adam*", step: 0)
        try writer.close()
        // end example
        #expect(try events(at: writer.url).count == 6)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTensorBoard/EventFileWriter.swift", markedAs: "EventFileWriter", in: #filePath) == nil)
    }

    @Test func hparamsExample() throws {
        let logDirectory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: logDirectory) }
        // example: HParams
        let root = try EventFileWriter(directory: logDirectory)
        try root.addHParamsExperiment(
            hparams: [HParamInfo(name: "lr", type: .number, domain: .interval(min: 1e-4, max: 1)),
                      HParamInfo(name: "optimizer", type: .string, domain: .discrete(["sgd", "adam"]))],
            metrics: [HParamMetric(tag: "val/accuracy", dataset: .validation)])
        let run = try EventFileWriter(directory: logDirectory.appendingPathComponent("lr-0.01"))
        try run.addHParamsSessionStart(["lr": 0.01, "optimizer": "adam"])
        try run.addScalar(tag: "val/accuracy", value: 0.91, step: 100)
        try run.addHParamsSessionEnd(status: .success)
        // end example
        #expect(try events(at: root.url).count == 2 && events(at: run.url).count == 4)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTensorBoard/EventFileWriter+HParams.swift", markedAs: "HParams", in: #filePath) == nil)
    }
}
