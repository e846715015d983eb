import Foundation
import LoupeDashboard
import LoupeStore
import LoupeTestSupport

/// A temporary store as `loupe train` and `loupe debug` leave one: two finished training runs with
/// curves, hyperparameters, final metrics and files (a report page, a Chrome trace), the second
/// with a finding, and a failed debug run derived from the first.
struct Fixture {
    let directory: URL
    let store: RunStore
    /// The runs' ids: `a` (lr 0.01, adam), `b` (lr 0.1, sgd, a finding at step 50), `c` (failed debug).
    let a: String, b: String, c: String

    init(steps: Int = 200) throws {
        directory = try temporaryDirectory()
        store = try RunStore(path: directory.appendingPathComponent("loupe.sqlite").path)
        a = try Self.train(store, directory, name: "mlp-adam", lr: 0.01, optimizer: "adam", accuracy: 0.9, steps: steps)
        b = try Self.train(store, directory, name: "mlp-sgd", lr: 0.1, optimizer: "sgd", accuracy: 0.95, steps: steps, finding: true)
        let debug = try RunRecorder(store: store, info: store.newRun(name: "debug <b>", kind: .debug, command: "loupe debug x.toml", parentID: a))
        try debug.finish(.failed, error: "loss became NaN at step 3")
        c = debug.id
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    static func train(_ store: RunStore, _ directory: URL, name: String, lr: Double, optimizer: String, accuracy: Double, steps: Int,
                      finding: Bool = false) throws -> String {
        let runFile = "[run]\nname = \"\(name)\"\n# <script>alert(1)</script>\n[train]\nlr = \(lr)\n"
        let info = store.newRun(name: name, kind: .train, command: "loupe train \(name).toml", runFile: runFile, seed: 7, threads: 2)
        let recorder = try RunRecorder(store: store, info: info, params: ["train.lr": .double(lr), "train.optimizer": .string(optimizer),
                                                                          "train.batch_size": .int(32), "model.hidden": .int(64)],
                                       flushInterval: .infinity)
        for step in 1...steps {
            recorder.scalar("train/loss", step: step, value: 2.3 * exp(-Double(step) / 50) + 0.1)
            recorder.scalar("lr", step: step, value: lr)
            if step % 50 == 0 {
                recorder.scalar("validation/accuracy", step: step, value: accuracy * Double(step) / Double(steps))
                recorder.scalar("validation/loss", step: step, value: 2.0 / Double(step))
            }
        }
        recorder.scalar("final/test/accuracy", step: steps, value: accuracy - 0.01)
        if finding {
            try recorder.record(FindingJSON(), kind: "finding")
        }
        let run = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let report = run.appendingPathComponent("report.html"), trace = run.appendingPathComponent("step.chrome.json")
        try Data("<!DOCTYPE html><title>report</title><p>debug report</p>".utf8).write(to: report)
        try Data(#"{"traceEvents":[]}"#.utf8).write(to: trace)
        try recorder.artifact(role: "report", url: report)
        try recorder.artifact(role: "profile", url: trace)
        try recorder.finish(.completed)
        return recorder.id
    }
}

/// A finding with the fields and JSON keys the debugger writes.
struct FindingJSON: Encodable {
    struct Fix: Encodable { var description = "Lower the learning rate 10×" }
    var kind = "lr_too_high", severity = "warning", confidence = 0.8, first_step = 50
    var layers: [String] = [], evidence = ["loss_ratio": 3.5]
    var explanation = "The loss rose <fast> after step 50.", fixes = [Fix()]
}
