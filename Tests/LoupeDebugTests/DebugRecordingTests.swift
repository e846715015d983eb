import Foundation
import LoupeReport
import LoupeStore
import LoupeTestSupport
import LoupeTrain
import Testing
@testable import LoupeDebug

/// `loupe debug --fix` with a run store: the original run and each fix attempt are recorded, the
/// attempts linked to the original, with curves, per-layer series, histograms, findings and files.
struct DebugRecordingTests {
    @Test func aFixedRunAndItsAttemptsAreRecorded() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RunStore(path: directory.appendingPathComponent("loupe.sqlite").path)
        var options = DebugSession.Options()
        options.runsDirectory = directory
        options.store = store
        options.command = "loupe debug diverging-mlp.toml --fix"
        let file = repositoryRoot.appendingPathComponent("examples/diverging-mlp.toml").path
        let report = try onLargeStack { try DebugSession(options: options).fix(RunConfig(contentsOf: URL(fileURLWithPath: file)), runFile: file) }

        let original = try #require(report.runID)
        let runs = try store.runs()
        #expect(runs.count == 1 + report.fixAttempts.count && runs.allSatisfy { $0.status == .completed && $0.kind == .debug })
        #expect(try store.children(original).count == report.fixAttempts.count && !report.fixAttempts.isEmpty)
        #expect(try store.records(original, kind: "finding").count == report.findings.count)
        let keys = try store.scalarKeys(original)
        #expect(keys.contains("train/loss") && keys.contains("lr") && keys.contains { $0.hasPrefix("layers/") && $0.hasSuffix("/grad_norm") })
        #expect(keys.contains { $0.hasPrefix("final/test/") })
        let histograms = try store.records(original, kind: RecordedHistogram.kind)
        let tags = Set(try histograms.map { try LoupeJSON.decoder().decode(RecordedHistogram.self, from: Data($0.json.utf8)).tag })
        #expect(tags.contains { $0.hasPrefix("activations/") })
        let parameterLayers = keys.filter { $0.hasPrefix("layers/") && $0.hasSuffix("/grad_norm") }
            .map { $0.dropFirst("layers/".count).dropLast("/grad_norm".count) }
        #expect(parameterLayers.count == 3)
        for layer in parameterLayers { #expect(tags.isSuperset(of: ["weights/\(layer)", "gradients/\(layer)"]), "\(layer)") }
        let roles = Set(try store.artifacts(original).map(\.role))
        #expect(roles.isSuperset(of: ["telemetry", "report", "config", "metrics", "summary", "checkpoint"]))
        let params = try store.params(original)
        #expect(params["train.lr"] == .double(4) && params["model.layers[0].type"] == .string("linear"))
    }
}
