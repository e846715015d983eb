import Foundation
import LoupeCore
import LoupeStore

/// Records a training run's curves into the run store as it trains: every step `train/loss`, `lr`
/// and `step_ms`; every epoch `epoch/train_loss` and `validation/<metric>` (at the step the epoch
/// ended). The recorder batches the writes, so this costs a few appends per step.
public final class RecordingCallback: TrainerCallback {
    public let recorder: RunRecorder
    private var lastStepEnded: Date?

    public init(recorder: RunRecorder) { self.recorder = recorder }

    public func batchBegan(_ trainer: Trainer, inputs: Tensor, targets: Tensor) throws {
        if lastStepEnded == nil { lastStepEnded = Date() }
    }

    public func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {
        let now = Date()
        recorder.scalar("train/loss", step: trainer.step, value: loss)
        recorder.scalar("lr", step: trainer.step, value: trainer.optimizer.lr)
        if let last = lastStepEnded { recorder.scalar("step_ms", step: trainer.step, value: now.timeIntervalSince(last) * 1000) }
        lastStepEnded = now
    }

    public func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
        recorder.scalar("epoch/train_loss", step: logs.step, value: logs.trainLoss)
        for (name, value) in logs.validation ?? [:] { recorder.scalar("validation/\(name)", step: logs.step, value: value) }
        lastStepEnded = nil   // evaluation time is not a step's
    }
}

extension RunConfig {
    /// Every setting as a typed key/value, keyed by its path in the run file (`train.lr`,
    /// `model.layers[0].units`); arrays of plain values (`data.split`) read as their TOML text.
    public var hyperparameters: [String: ParamValue] {
        var params: [String: ParamValue] = [:]
        func add(_ entries: [RunFileEntry], prefix: String) {
            for entry in entries { add(entry.value, key: prefix.isEmpty ? entry.key : "\(prefix).\(entry.key)") }
        }
        func add(_ value: RunFileValue, key: String) {
            switch value {
            case let .string(s): params[key] = .string(s)
            case let .int(i): params[key] = .int(i)
            case let .double(d): params[key] = .double(d)
            case let .bool(b): params[key] = .bool(b)
            case let .dateTime(text): params[key] = .string(text)
            case let .table(entries): add(entries, prefix: key)
            case let .array(items):
                if items.contains(where: { if case .table = $0 { true } else { false } }) {
                    for (i, item) in items.enumerated() { add(item, key: "\(key)[\(i)]") }
                } else {
                    params[key] = .string(value.tomlText)
                }
            }
        }
        add(entries, prefix: "")
        return params
    }
}

extension TrainingRun {
    /// Records what a finished run produced: the final metrics as `final/<split>/<metric>` at the
    /// last step, and its files (config, metrics log, summary, checkpoints) as artifacts.
    public func record(_ result: Result, into recorder: RunRecorder) throws {
        for (split, metrics) in result.metrics {
            for (name, value) in metrics { recorder.scalar("final/\(split)/\(name)", step: result.steps, value: value) }
        }
        // CPU time sums over a run's records: a resumed run adds a record per process.
        try recorder.record(TrainingResources(cpuSeconds: ProcessUsage.cpuSeconds, wallSeconds: result.seconds,
                                              peakMemoryBytes: ProcessUsage.peakResidentBytes), kind: TrainingResources.recordKind)
        let files: [(String, String)] = [("config", "config.json"), ("metrics", "metrics.jsonl"), ("summary", "summary.json"),
                                         ("checkpoint", "checkpoints/last.safetensors"), ("checkpoint", "checkpoints/best.safetensors")]
        for (role, file) in files {
            let url = directory.appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: url.path) { try recorder.artifact(role: role, url: url) }
        }
    }
}

/// What one training process used, recorded with the run (kind `resources`): a resumed run has
/// one record per process, and its cost is their sum.
public struct TrainingResources: Codable, Sendable, Equatable {
    public static let recordKind = "resources"
    /// User plus system CPU time of the training process (its data preparation included).
    public var cpuSeconds: Double
    public var wallSeconds: Double
    public var peakMemoryBytes: Int?
}
