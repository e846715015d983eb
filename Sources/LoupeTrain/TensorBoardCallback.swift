import Foundation
import LoupeCore
import LoupeStore
import LoupeTensorBoard

/// Writes a training run's curves as TensorBoard event files while it trains (`loupe train
/// --tensorboard DIR`): `train/loss` and `lr` every step, `epoch/train_loss` and
/// `validation/<metric>` every epoch, in `DIR/<run name>/` (one TensorBoard run), and whatever
/// histograms it is handed while the run trains (`loupe train --watch` and `loupe debug` hand it
/// the monitor's weight and gradient histograms). Each event is handed to the file system at once,
/// so a TensorBoard watching `DIR` sees it on its next reload.
public final class TensorBoardCallback: TrainerCallback {
    public let directory: URL
    private var writer: EventFileWriter?

    /// Event files go to `directory` (created when missing).
    public init(directory: URL) { self.directory = directory }

    public func trainBegan(_ trainer: Trainer) throws {
        writer = try EventFileWriter(directory: directory)
    }

    public func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {
        try writer?.addScalar(tag: "train/loss", value: loss, step: trainer.step)
        try writer?.addScalar(tag: "lr", value: trainer.optimizer.lr, step: trainer.step)
    }

    public func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
        try writer?.addScalar(tag: "epoch/train_loss", value: logs.trainLoss, step: logs.step)
        for (name, value) in (logs.validation ?? [:]).sorted(by: { $0.key < $1.key }) {
            try writer?.addScalar(tag: "validation/\(name)", value: value, step: logs.step)
        }
    }

    /// Writes `histogram` now (between `trainBegan` and `trainEnded`; nothing otherwise), skipping
    /// one with nothing to draw.
    public func addHistogram(_ histogram: RecordedHistogram) throws {
        guard let h = histogram.tensorBoardHistogram else { return }
        try writer?.addHistogram(tag: histogram.tag, h, step: histogram.step)
    }

    public func trainEnded(_ trainer: Trainer) throws {
        try writer?.close()
        writer = nil
    }
}
