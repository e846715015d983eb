import Foundation
import LoupeStore
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeStore, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func runStoreExample() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let storeURL = directory.appendingPathComponent("loupe.sqlite")
        // example: RunStore
        let store = try RunStore(path: storeURL.path)
        let recorder = try RunRecorder(store: store, info: store.newRun(name: "mlp", kind: .train, command: "loupe train mlp.toml"))
        recorder.scalar("train/loss", step: 1, value: 2.3)
        try recorder.finish(.completed)
        let loss = try store.scalars(recorder.id, key: "train/loss")   // [ScalarPoint(step: 1, value: 2.3, …)]
        // end example
        #expect(loss.map(\.step) == [1] && loss.map(\.value) == [2.3])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeStore/RunStore.swift", markedAs: "RunStore", in: #filePath) == nil)
    }
}
