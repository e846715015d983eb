import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeStore

/// `RunStore.exportTensorBoard`: a folder per run named NAME-ID holding one event file, the HParams
/// experiment at the top, and recorded histograms turned into TensorBoard's buckets. (The real
/// tensorboard package reads the export back in scripts/smoke-cli.sh.)
struct TensorBoardExportTests {
    @Test func oneFolderPerRunAndTheExperimentAtTheTop() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RunStore(path: directory.appendingPathComponent("loupe.sqlite").path)
        var ids: [String] = []
        for lr in [0.1, 0.01] {
            let recorder = try RunRecorder(store: store, info: store.newRun(name: "mlp", kind: .train, command: "x"),
                                           params: ["train.lr": .double(lr), "train.optimizer": .string("sgd")])
            for step in 1...20 { recorder.scalar("train/loss", step: step, value: 1 / Double(step)) }
            recorder.scalar("validation/accuracy", step: 20, value: 0.9)
            try recorder.record(RecordedHistogram(tag: "activations/layers.1", step: 5, lower: -1, upper: 1, counts: [1, 2, 3, 4]),
                                kind: RecordedHistogram.kind)
            try recorder.finish(.completed)
            ids.append(recorder.id)
        }
        let out = directory.appendingPathComponent("tb")
        let folders = try store.exportTensorBoard(ids, to: out)
        #expect(folders.map(\.lastPathComponent) == ids.map { "mlp-\($0)" })
        for folder in folders {
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(files.count == 1 && files[0].hasPrefix("events.out.tfevents."))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).contains { $0.hasPrefix("events.out.tfevents.") })
    }

    @Test func recordedHistogramsBecomeTensorBoardBuckets() throws {
        let h = try #require(RecordedHistogram(tag: "a", step: 1, lower: 0, upper: 4, counts: [1, 0, 2, 1]).tensorBoardHistogram)
        #expect(h.bucketLimits == [1, 2, 3, 4] && h.bucketCounts == [1, 0, 2, 1] && h.count == 4)
        #expect(h.min == 0 && h.max == 4 && h.sum == 0.5 + 2 * 2.5 + 3.5)
        // Every value the same: one bucket at it, as TensorBoard writes a constant tensor.
        let constant = try #require(RecordedHistogram(tag: "a", step: 1, lower: 2, upper: 2, counts: [3, 0]).tensorBoardHistogram)
        #expect(constant.bucketLimits == [2] && constant.bucketCounts == [3] && constant.min == 2 && constant.max == 2 && constant.sum == 6)
        #expect(RecordedHistogram(tag: "a", step: 1, lower: 2, upper: 1, counts: [1]).tensorBoardHistogram == nil)
        #expect(RecordedHistogram(tag: "a", step: 1, lower: 0, upper: 1, counts: [0, 0]).tensorBoardHistogram == nil)
        #expect(RecordedHistogram(tag: "a", step: 1, lower: .nan, upper: 1, counts: [1]).tensorBoardHistogram == nil)
    }
}
