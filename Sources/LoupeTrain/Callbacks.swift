import Foundation
import LoupeCore
import LoupeReport

/// What a finished epoch reports to callbacks and the metrics log.
public struct EpochLogs: Sendable, Equatable {
    public var epoch: Int
    /// Optimizer steps taken so far.
    public var step: Int
    public var trainLoss: Double
    /// Metrics on the validation split (`loss`, `accuracy`, ...), when one was evaluated.
    public var validation: [String: Double]?
    public var learningRate: Double
    public var seconds: Double
}

/// Hooks into `Trainer.fit`. Every method has a default that does nothing.
public protocol TrainerCallback: AnyObject {
    func trainBegan(_ trainer: Trainer) throws
    /// Before each training step's forward pass, with its batch.
    func batchBegan(_ trainer: Trainer, inputs: Tensor, targets: Tensor) throws
    /// After backward, before gradient clipping and the optimizer step: the gradients are in the
    /// parameters' `grad` and the weights are those the step starts from.
    func gradientsComputed(_ trainer: Trainer, loss: Tensor) throws
    /// After each optimizer step, with that step's loss.
    func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws
    func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws
    func trainEnded(_ trainer: Trainer) throws
}

extension TrainerCallback {
    public func trainBegan(_ trainer: Trainer) throws {}
    public func batchBegan(_ trainer: Trainer, inputs: Tensor, targets: Tensor) throws {}
    public func gradientsComputed(_ trainer: Trainer, loss: Tensor) throws {}
    public func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {}
    public func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {}
    public func trainEnded(_ trainer: Trainer) throws {}
}

/// A callback whose state is part of the run (the best loss so far, epochs without improvement):
/// ``Checkpoint`` saves it in every checkpoint and restores it on resume, so that a resumed run
/// goes on as if it had never stopped.
public protocol StatefulCallback: TrainerCallback {
    /// Its name in the checkpoint's metadata (`callback.<stateKey>`).
    var stateKey: String { get }
    /// Its state as text that ``restore(state:)`` reads back exactly.
    var state: String { get }
    /// Takes up the state a checkpoint saved; throws when `state` is not one ``state`` writes.
    func restore(state: String) throws
}

/// Stops training when the monitored validation metric has not improved for `patience` epochs.
/// Its best value and the epochs waited are saved in checkpoints (``StatefulCallback``); a run
/// resumed after it stopped stops again at once.
public final class EarlyStopping: StatefulCallback {
    public let patience: Int, monitor: String, minDelta: Double
    public private(set) var best = Double.infinity
    private var waited = 0

    /// `monitor` is a validation metric where lower is better (`loss` by default).
    public init(patience: Int, monitor: String = "loss", minDelta: Double = 0) {
        (self.patience, self.monitor, self.minDelta) = (patience, monitor, minDelta)
    }

    public func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
        guard let value = logs.validation?[monitor] else { return }
        if value < best - minDelta {
            best = value
            waited = 0
        } else {
            waited += 1
            if waited >= patience { stop(trainer) }
        }
    }

    public func trainBegan(_ trainer: Trainer) throws {
        if waited >= patience { stop(trainer) }
    }

    private func stop(_ trainer: Trainer) {
        trainer.stop(reason: "early stopping: validation \(monitor) has not improved for \(patience) epochs")
    }

    public var stateKey: String { "early_stopping" }
    /// "best,waited"; `best` in Swift's shortest form, which reads back to the same bits.
    public var state: String { "\(best),\(waited)" }
    public func restore(state: String) throws {
        let parts = state.split(separator: ",")
        guard parts.count == 2, let best = Double(parts[0]), !best.isNaN, let waited = Int(parts[1]), waited >= 0 else {
            throw TensorError.invalidArgument(op: "EarlyStopping", reason: "saved state \"\(state)\" is not \"best,waited\"")
        }
        (self.best, self.waited) = (best, waited)
    }
}

/// Raised by ``TerminateOnNaN``.
public struct NonFiniteLossError: Error, CustomStringConvertible {
    public let step: Int, loss: Double
    public var description: String {
        "the training loss became \(loss) at step \(step); lower the learning rate, clip gradients (grad_clip), or run `loupe debug` to find where"
    }
}

/// Ends training as soon as the loss is NaN or infinite: by throwing ``NonFiniteLossError``, or
/// (for the debugger, which wants the run's record) by stopping the trainer after that step.
public final class TerminateOnNaN: TrainerCallback {
    public let throwsError: Bool
    public init(throwsError: Bool = true) { self.throwsError = throwsError }
    public func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {
        guard !loss.isFinite else { return }
        if throwsError { throw NonFiniteLossError(step: trainer.step, loss: loss) }
        trainer.stop(reason: "the training loss became \(loss) at step \(trainer.step)")
    }
}

/// Appends one JSON object per epoch to a file (`metrics.jsonl`).
public final class MetricsLogger: TrainerCallback {
    public let url: URL
    public init(url: URL) { self.url = url }

    /// A fresh run starts a fresh log. A resumed one keeps the lines up to its checkpoint's step and
    /// drops any after it (written before an interruption that the checkpoint does not cover, so
    /// they will be written again), then appends.
    public func trainBegan(_ trainer: Trainer) throws {
        guard trainer.step > 0, FileManager.default.fileExists(atPath: url.path) else {
            try AtomicFile.write(Data(), to: url)
            return
        }
        let old: Data
        do { old = try Data(contentsOf: url) } catch {
            throw AtomicFileError(path: url.path, reason: "cannot read it to resume: \(ErrorMessage.plain(error))")
        }
        var kept = Data()
        for line in old.split(separator: 0x0A) {
            let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any]
            guard let step = object?["step"] as? Int, step <= trainer.step else { continue }
            kept.append(line)
            kept.append(0x0A)
        }
        if kept != old { try AtomicFile.write(kept, to: url) }
    }

    public func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
        var object: [String: Any] = ["epoch": logs.epoch, "step": logs.step, "train_loss": logs.trainLoss,
                                     "lr": logs.learningRate, "seconds": logs.seconds]
        if let v = logs.validation { object["validation"] = v }
        var line = try LoupeJSON.data(object)
        line.append(0x0A)
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
        } catch {
            throw AtomicFileError(path: url.path, reason: "cannot append epoch \(logs.epoch): \(ErrorMessage.plain(error))")
        }
    }
}

/// A one-line progress bar per epoch with batches done, loss, speed and time left: LoupeReport's
/// ``TerminalProgress``, which draws only on a terminal.
public final class ProgressBar: TrainerCallback {
    private let totalEpochs: Int
    private var progress: TerminalProgress?

    public init(epochs: Int) { totalEpochs = epochs }

    /// The clock starts before the epoch's first batch, so its time counts.
    public func batchBegan(_ trainer: Trainer, inputs: Tensor, targets: Tensor) throws {
        if progress == nil { progress = TerminalProgress(label: "epoch \(trainer.epoch + 1)/\(totalEpochs)") }
    }

    public func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {
        progress?.update(batch, of: batches, detail: String(format: "loss %.4f", loss))
    }

    public func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
        progress?.finish()
        progress = nil
    }
}
