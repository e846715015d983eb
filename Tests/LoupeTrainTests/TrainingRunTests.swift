import Foundation
import LoupeCore
import LoupeSafeTensors
import LoupeNN
import LoupeTestSupport
import LoupeStore
import Testing
@testable import LoupeTrain

@Suite("Training on real data", .serialized)
struct TrainingRunTests {
    @Test("digits MLP reaches ≥ 97% test accuracy (seeded)")
    func digitsMLP() throws {
        let result = try onLargeStack { try TrainingRun(config: try example("digits-mlp.toml"), runsDirectory: try temporaryDirectory()).execute(progress: false) }
        let accuracy = try #require(result.metrics["test"]?["accuracy"])
        #expect(accuracy >= 0.97, "test accuracy \(accuracy)")
    }

    @Test("digits CNN reaches ≥ 98% test accuracy (seeded)")
    func digitsCNN() throws {
        let result = try onLargeStack { try TrainingRun(config: try example("digits-cnn.toml"), runsDirectory: try temporaryDirectory()).execute(progress: false) }
        let accuracy = try #require(result.metrics["test"]?["accuracy"])
        #expect(accuracy >= 0.98, "test accuracy \(accuracy)")
    }

    /// The shared small run without early stopping, for `epochs` epochs.
    static func smallRun(epochs: Int) throws -> RunConfig {
        var config = try resumeFixture()
        config.run.seed = 3
        config.train.lr = 0.003
        config.train.batchSize = 64
        config.train.epochs = epochs
        config.train.schedule = .cosine(warmup: 5)
        config.train.earlyStoppingPatience = 0
        return config
    }

    /// Interrupts a run at the end of an epoch, as a crash after the checkpoint would.
    final class InterruptAfter: TrainerCallback {
        let epochs: Int
        init(epochs: Int) { self.epochs = epochs }
        func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
            if logs.epoch == epochs { trainer.stop(reason: "interrupted") }
        }
    }

    static func identical(_ a: Tensor, _ b: Tensor) -> Bool {
        a.shape == b.shape && a.floats().elementsEqual(b.floats()) { $0.bitPattern == $1.bitPattern }
    }

    @Test("2 epochs straight equal 1 epoch + resume + 1 epoch, weight for weight")
    func resumeIsBitIdentical() throws {
        try onLargeStack { try Self.resumeBody() }
    }

    static func resumeBody() throws {
        let straight = try TrainingRun(config: smallRun(epochs: 2), runsDirectory: temporaryDirectory()).execute(progress: false)
        let dir = try temporaryDirectory()
        let first = try TrainingRun(config: smallRun(epochs: 2), runsDirectory: dir)
            .execute(progress: false, extraCallbacks: [InterruptAfter(epochs: 1)])
        #expect(first.epochs == 1)
        // --resume finds the interrupted run's folder through runs/<name>/latest (no store here).
        let found = try #require(RunFolders(root: dir).resumable(name: "resume", recorded: []))
        #expect(found.folder.path == RunFolders(root: dir).latest(name: "resume")?.path && found.id == found.folder.lastPathComponent)
        let resumed = try TrainingRun(config: smallRun(epochs: 2), directory: found.folder).execute(resume: true, progress: false)
        #expect(resumed.steps == straight.steps && resumed.epochs == 2)
        let a = straight.trainer.model.stateDict()
        let b = resumed.trainer.model.stateDict()
        let keysA = a.keys.sorted(), keysB = b.keys.sorted()
        #expect(keysA == keysB)
        for (name, t) in a {
            #expect(identical(t, b[name]!), "\(name) differs after resume")
        }
        let optA = straight.trainer.optimizer.stateDict(), optB = resumed.trainer.optimizer.stateDict()
        for (name, t) in optA where name != "step" { #expect(identical(t, optB[name]!), "optimizer \(name) differs") }
        let log = try String(contentsOf: found.folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(log.split(separator: "\n").count == 2)
    }

    @Test("two runs of one name get two folders; latest names the second; resume prefers the store's newest run with a checkpoint")
    func aFolderPerRun() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ids = [RunID.make(), RunID.make()]
        for id in ids {
            _ = try onLargeStack { try TrainingRun(config: Self.smallRun(epochs: 1), runsDirectory: dir, runID: id).execute(progress: false) }
        }
        let folders = RunFolders(root: dir)
        let first = folders.folder(name: "resume", id: ids[0]), second = folders.folder(name: "resume", id: ids[1])
        #expect(first.path != second.path)
        for folder in [first, second] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoints/last.safetensors").path))
            // One epoch's line each: the second run did not append to the first one's log.
            #expect(try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").count == 1)
        }
        #expect(folders.latest(name: "resume")?.lastPathComponent == ids[1])
        #expect(folders.resumable(name: "resume", recorded: [ids[0]])?.id == ids[0])
        // A recorded id whose folder has no checkpoint is passed over.
        #expect(folders.resumable(name: "resume", recorded: ["00000000000aaaaa", ids[0]])?.id == ids[0])
        #expect(folders.resumable(name: "other", recorded: []) == nil)
    }

    @Test("the run directory holds config, metrics, checkpoints and summary; the checkpoint is plain safetensors")
    func runDirectory() throws {
        let dir = try temporaryDirectory()
        _ = try onLargeStack { try TrainingRun(config: Self.smallRun(epochs: 1), runsDirectory: dir).execute(progress: false) }
        let run = try #require(RunFolders(root: dir).latest(name: "resume"))
        for file in ["config.json", "metrics.jsonl", "summary.json", "checkpoints/last.safetensors", "checkpoints/best.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), "missing \(file)")
        }
        let checkpoint = try SafeTensors.read(contentsOf: run.appendingPathComponent("checkpoints/last.safetensors"))
        #expect(checkpoint.tensors["model.layers.1.weight"]?.shape == [32, 64])
        #expect(checkpoint.metadata["step"] != nil && checkpoint.metadata["loader"] != nil)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("summary.json"))) as! [String: Any]
        #expect((summary["metrics"] as? [String: Any])?["test"] != nil)
    }

    @Test("a diverging run stops with an error that says what to do")
    func nanStops() throws {
        var c = try Self.smallRun(epochs: 3)
        c.train.optimizer = .sgd(momentum: 0)
        c.train.lr = 100   // the most a run file allows
        c.train.schedule = .constant(warmup: 0)
        do {
            _ = try onLargeStack { try TrainingRun(config: c, runsDirectory: temporaryDirectory()).execute(progress: false) }
            Issue.record("lr 100 must diverge")
        } catch let error as NonFiniteLossError {
            #expect(error.description.contains("learning rate"))
        }
    }

    @Test("early stopping ends a run whose validation loss stops improving")
    func earlyStopping() throws {
        var c = try Self.smallRun(epochs: 200)
        c.train.earlyStoppingPatience = 2
        c.train.schedule = .constant(warmup: 0)
        c.train.lr = 0.05
        let c2 = c
        let result = try onLargeStack { try TrainingRun(config: c2, runsDirectory: temporaryDirectory()).execute(progress: false) }
        #expect(result.epochs < 200 && result.stopReason?.contains("early stopping") == true)
    }
}
