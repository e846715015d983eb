import Foundation
import LoupeCore
import LoupeReport
import LoupeStore
import LoupeTestSupport
import Testing
@testable import LoupeTrain

/// Resume is "as if never stopped" (issue 14): interrupted anywhere, a resumed run ends with the
/// same checkpoints, the same best checkpoint and the same metrics log as a run that was not.
@Suite("Resuming a run", .serialized)
struct ResumeTests {
    /// Dropout, a cosine schedule, early stopping: state in the model, the data order, the
    /// schedule and two callbacks.
    static func config(lr: Double = 0.02, patience: Int = 2) throws -> RunConfig {
        var config = try resumeFixture()
        config.train.lr = lr
        config.train.earlyStoppingPatience = patience
        return config
    }

    struct Interrupted: Error {}

    /// Throws at a batch of an epoch, as a crash there would end the process: the files are what
    /// the epochs before left.
    final class CrashAt: TrainerCallback {
        let epoch: Int, batch: Int
        init(epoch: Int, batch: Int) { (self.epoch, self.batch) = (epoch, batch) }
        func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {
            if trainer.epoch + 1 == epoch && batch == self.batch { throw Interrupted() }
        }
    }

    /// A run's files as they compare between runs: checkpoints byte for byte, the metrics log
    /// without its timings.
    static func files(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in ["checkpoints/last.safetensors", "checkpoints/best.safetensors"] {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        let log = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        files["metrics.jsonl"] = Data(log.split(separator: "\n").map { line in
            line.replacingOccurrences(of: #""seconds":[0-9.e+-]+,?"#, with: "", options: .regularExpression)
        }.joined(separator: "\n").utf8)
        return files
    }

    @Test("interrupted mid-epoch or between epochs, with stale log lines and temporary files, a resumed run ends as an uninterrupted one")
    func asIfNeverStopped() throws {
        try onLargeStack {
            let root = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let straight = try TrainingRun(config: Self.config(), runsDirectory: root, runID: RunID.make())
            let reference = try straight.execute(progress: false)
            // The run exercises what resume must restore: it stops early, after its best epoch.
            #expect(reference.stopReason?.hasPrefix("early stopping") == true, "\(reference.stopReason ?? "ran to the end")")
            let expected = try Self.files(straight.directory)
            #expect(expected["checkpoints/last.safetensors"] != expected["checkpoints/best.safetensors"])
            let epochs = reference.epochs

            for (epoch, batch) in [(2, 3), (epochs - 1, 1), (epochs, 2)] {
                let run = try TrainingRun(config: Self.config(), runsDirectory: root, runID: RunID.make())
                #expect(throws: Interrupted.self) { try run.execute(progress: false, extraCallbacks: [CrashAt(epoch: epoch, batch: batch)]) }
                // What a kill between writing the log and the checkpoint, and one inside a write, leave.
                let log = run.directory.appendingPathComponent("metrics.jsonl")
                let handle = try FileHandle(forWritingTo: log)
                try handle.seekToEnd()
                try handle.write(contentsOf: Data("{\"epoch\":\(epoch),\"step\":999999,\"train_loss\":1}\n".utf8))
                try handle.close()
                let leftover = run.directory.appendingPathComponent("checkpoints/.last.safetensors.\(UUID().uuidString).tmp")
                try Data(repeating: 7, count: 100).write(to: leftover)

                let resumed = try TrainingRun(config: Self.config(), directory: run.directory).execute(resume: true, progress: false)
                #expect(resumed.epochs == epochs && resumed.steps == reference.steps && resumed.stopReason == reference.stopReason,
                        "crash in epoch \(epoch): \(resumed.epochs) epochs, \(resumed.stopReason ?? "-")")
                let got = try Self.files(run.directory)
                for (name, data) in expected {
                    #expect(got[name] == data, "crash in epoch \(epoch) batch \(batch): \(name) differs from the uninterrupted run's")
                }
                #expect(!FileManager.default.fileExists(atPath: leftover.path), "the temporary file was left")
                // Resuming a run that already stopped early trains no further.
                let again = try TrainingRun(config: Self.config(), directory: run.directory).execute(resume: true, progress: false)
                #expect(again.steps == reference.steps)
                #expect(try Self.files(run.directory) == expected)
            }
        }
    }

    @Test("a run file changed since the checkpoint is refused with the list of changes, unless they are accepted")
    func changedRunFile() throws {
        try onLargeStack {
            let root = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let run = try TrainingRun(config: Self.config(), runsDirectory: root, runID: RunID.make())
            #expect(throws: Interrupted.self) { try run.execute(progress: false, extraCallbacks: [CrashAt(epoch: 2, batch: 1)]) }
            let before = try Data(contentsOf: run.checkpointURL)
            var changed = try Self.config(lr: 0.01)
            changed.train.batchSize = 64
            let resumed = try TrainingRun(config: changed, directory: run.directory)
            let error = try #require(throws: RunConfigError.self) { try resumed.execute(resume: true, progress: false) }
            #expect(error == .changedSinceCheckpoint(checkpoint: run.checkpointURL.path, changes: [
                RunConfig.Change(key: "train.lr", old: "0.02", new: "0.01"),
                RunConfig.Change(key: "train.batch_size", old: "128", new: "64"),
            ]))
            #expect("\(error)".contains("--override train.lr,train.batch_size"))
            #expect(try Data(contentsOf: run.checkpointURL) == before, "a refused resume changed the checkpoint")
            // Accepting one change is not enough; accepting both continues.
            #expect(throws: RunConfigError.self) { try resumed.checkResumable(accepting: ["train.lr"]) }
            #expect(try resumed.checkResumable(accepting: ["train.lr", "train.batch_size"]).count == 2)
            let result = try resumed.execute(resume: true, acceptingChanges: ["train.lr", "train.batch_size"], progress: false)
            #expect(result.epochs >= 2)
            // The folder's config.json now says what the run is.
            let saved = try LoupeJSON.decoder().decode(RunConfig.self, from: Data(contentsOf: run.directory.appendingPathComponent("config.json")))
            #expect(saved.train.lr == 0.01 && saved.train.batchSize == 64)
        }
    }

    @Test("changes are named key by key, down to a layer's setting")
    func changesNameTheKey() throws {
        let a = try Self.config()
        var b = a
        b.model.layers[0] = .linear(units: 64, activation: .relu, initializer: nil, biasInit: nil)
        b.model.layers.append(.linear(units: 10, activation: nil, initializer: nil, biasInit: nil))
        b.data.split = [0.7, 0.2, 0.1]
        #expect(b.changes(from: a).map(\.description) == [
            "data.split: [0.8, 0.1, 0.1] → [0.7, 0.2, 0.1]",
            "model.layers[0].units: 32 → 64",
            "model.layers[3].type: (not set) → \"linear\"",
            "model.layers[3].units: (not set) → 10",
        ])
        #expect(a.changes(from: a).isEmpty)
    }

    @Test("one process per run folder: a second is refused, naming the first; the lock goes with its holder")
    func oneProcessPerFolder() throws {
        let folder = try temporaryDirectory().appendingPathComponent("resume/0000000000000001")
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent().deletingLastPathComponent()) }
        #expect(RunLock.holder(of: folder) == nil)
        let lock = try RunLock(folder)
        let error = try #require(throws: RunLockError.self) { _ = try RunLock(folder) }
        #expect(error.holder?.hasPrefix("process \(getpid()) (") == true, "\(error)")
        #expect("\(error)".contains("is in use by process \(getpid())"))
        #expect(RunLock.holder(of: folder)?.hasPrefix("process \(getpid())") == true)
        // A run in a held folder stops before reading its data or writing anything.
        let run = try TrainingRun(config: Self.config(), directory: folder)
        #expect(throws: RunLockError.self) { try run.execute(progress: false) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [".lock"])
        lock.release()
        #expect(RunLock.holder(of: folder) == nil)
        try {
            // example: RunLock
            let lock = try RunLock(folder)        // or RunLockError: "… is in use by process 4242 (loupe train …)"
            defer { lock.release() }
            // end example
            #expect(RunLock.holder(of: folder) != nil)
        }()
        #expect(RunLock.holder(of: folder) == nil)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTrain/RunLock.swift", markedAs: "RunLock", in: #filePath) == nil)
    }
}
