import Foundation
import LoupeReport
import LoupeStore
import LoupeTestSupport
import Testing
@testable import LoupeDebug

/// The debugger's half of the peer check with the real TensorBoard
/// (scripts/peers/tensorboard-check.sh): when `LOUPE_TB_OUT` names a directory, trains a small MLP
/// under the health monitor, records its telemetry into a run store, exports the run with
/// `exportTensorBoard` to `$LOUPE_TB_OUT/export-logs`, and writes what TensorBoard should read
/// back to `$LOUPE_TB_OUT/export-expected.json`: every scalar, and every histogram (activations,
/// weights, gradients) field by field, the weight and gradient ones with the raw values they were
/// taken from, which scripts/peers/tensorboard_readback.py bins again on its own. Skipped otherwise.
///
/// Floats in the JSON are bit patterns in hex ("f32:…", "f64:…"), so the comparison is exact.
struct TelemetryTensorBoardPeerFixture {
    static let output = ProcessInfo.processInfo.environment["LOUPE_TB_OUT"]

    @Test(.enabled(if: output != nil, "set LOUPE_TB_OUT to write the peer-check files"))
    func writeTheExportForTensorBoard() throws {
        let out = URL(fileURLWithPath: try #require(Self.output))
        let logs = out.appendingPathComponent("export-logs")
        try? FileManager.default.removeItem(at: logs)
        let (monitor, probe) = try ParameterHistogramTests.train()

        let storeDirectory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: storeDirectory) }
        let store = try RunStore(path: storeDirectory.appendingPathComponent("loupe.sqlite").path)
        let recorder = try RunRecorder(store: store, info: store.newRun(name: "mlp", kind: .debug, command: "loupe debug mlp.toml"))
        try monitor.telemetry.record(into: recorder)
        try recorder.finish(.completed)
        let folders = try store.exportTensorBoard([recorder.id], to: logs)

        var scalars: [String: [[Any]]] = [:]
        for key in try store.scalarKeys(recorder.id) {
            scalars[key] = try store.scalars(recorder.id, key: key).map { [$0.step, f32(Float($0.value)), f64($0.time)] }
        }
        var histograms: [String: [[String: Any]]] = [:]
        for record in try store.records(recorder.id, kind: RecordedHistogram.kind) {
            let r = try LoupeJSON.decoder().decode(RecordedHistogram.self, from: Data(record.json.utf8))
            let h = try #require(r.tensorBoardHistogram)
            let kind = r.tag.split(separator: "/").first.map(String.init)
            let path = String(r.tag.drop { $0 != "/" }.dropFirst())
            let raw = kind == "weights" ? probe.weights[r.step]?[path] : kind == "gradients" ? probe.gradients[r.step]?[path] : nil
            if kind != "activations" { #expect(raw != nil, "no raw values for \(r.tag) at step \(r.step)") }
            histograms[r.tag, default: []].append([
                "step": r.step, "min": f64(h.min), "max": f64(h.max), "num": f64(h.count), "sum": f64(h.sum),
                "sum_squares": f64(h.sumSquares), "bucket_limit": h.bucketLimits.map(f64), "bucket": h.bucketCounts.map(f64),
                "values": raw.map { $0.map { f64(Double($0)) } } ?? NSNull(),
            ])
        }
        #expect(histograms.keys.filter { $0.hasPrefix("weights/") || $0.hasPrefix("gradients/") }.count == 4)
        let run: [String: Any] = ["scalars": scalars, "histograms": histograms]
        let expected: [String: Any] = ["runs": [try #require(folders.first).lastPathComponent: run]]
        let data = try JSONSerialization.data(withJSONObject: expected, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: out.appendingPathComponent("export-expected.json"))
    }
}

private func f32(_ value: Float) -> String { "f32:" + String(format: "%08x", value.bitPattern) }
private func f64(_ value: Double) -> String { "f64:" + String(format: "%016llx", value.bitPattern) }
