import Foundation
import LoupeCore
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTestSupport
import Testing
@testable import LoupeTrain

/// The doc comments' examples in LoupeTrain, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func trainerExample() throws {
        var rng = RandomGenerator(seed: 1)
        // Enough data for Adam's default rate to get there in ten epochs: 380 steps.
        let splits = try DatasetSplits(splitting: Synthetic.classification(samples: 3000, features: 2, classes: 3, seed: 1), seed: 1)
        let model = Sequential([try Linear(2, 16, using: &rng), Activation(.relu), try Linear(16, 3, using: &rng)])
        // example: Trainer
        let trainer = Trainer(model: model, optimizer: try Adam(model.parameters()), loss: .crossEntropy)
        var loader = try DataLoader(dataset: splits.train, batchSize: 64, seed: 1)
        let history = try trainer.fit(&loader, validation: splits.validation, epochs: 10)
        print(try trainer.evaluate(splits.test))   // ["loss": 0.07, "accuracy": 0.981]
        // end example
        #expect(history.count == 10)
        let test = try trainer.evaluate(splits.test)
        #expect(test["accuracy"]! > 0.95 && test["loss"]! < 0.15, "\(test)")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTrain/Trainer.swift", markedAs: "Trainer", in: #filePath) == nil)
    }

    @Test func runFoldersExample() throws {
        let runsDirectory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runsDirectory) }
        // example: RunFolders
        let folders = RunFolders(root: runsDirectory)
        let folder = folders.folder(name: "mlp", id: "0193a1c2d3e4f5a6")     // runs/mlp/0193a1c2d3e4f5a6
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try RunFolders.markLatest(folder)                                   // runs/mlp/latest → 0193a1c2d3e4f5a6
        let latest = folders.latest(name: "mlp")                            // that folder
        // end example
        #expect(folder.path == runsDirectory.appendingPathComponent("mlp/0193a1c2d3e4f5a6").path)
        #expect(latest?.path == folder.path)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: runsDirectory.appendingPathComponent("mlp/latest").path) == "0193a1c2d3e4f5a6")
        // Marking a newer folder replaces the link.
        let newer = folders.folder(name: "mlp", id: "0193a1c2d3e4f5a7")
        try FileManager.default.createDirectory(at: newer, withIntermediateDirectories: true)
        try RunFolders.markLatest(newer)
        #expect(folders.latest(name: "mlp")?.lastPathComponent == "0193a1c2d3e4f5a7")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTrain/RunFolders.swift", markedAs: "RunFolders", in: #filePath) == nil)
    }

    @Test func runConfigExample() throws {
        let runsDirectory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runsDirectory) }
        let result = try onLargeStack {
            // example: RunConfig
            var config = RunConfig()
            config.data.dataset = .syntheticClassification
            config.model.layers = [.linear(units: 32, activation: .relu), .linear(units: 3)]
            config.train.optimizer = .adam
            config.train.lr = 1e-3
            let result = try TrainingRun(config: config, runsDirectory: runsDirectory).execute()   // result.metrics["test"]
            // end example
            return result
        }
        // The default ten epochs on three well-separated blobs, and the run's directory next to its result.
        #expect(result.epochs == 10 && result.stopReason == nil)
        #expect((result.metrics["test"]?["accuracy"] ?? 0) > 0.9, "\(result.metrics)")
        #expect(FileManager.default.fileExists(atPath: runsDirectory.appendingPathComponent("run/latest/summary.json").path))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTrain/RunFile/RunConfig.swift", markedAs: "RunConfig", in: #filePath) == nil)
    }

    @Test func layerSpecExample() throws {
        var config = RunConfig()
        // example: LayerSpec
        config.model.layers = [
            .conv2d(filters: 16, kernel: 3, padding: 1, activation: .relu),
            .maxPool2d(size: 2),
            .flatten,
            .dropout(rate: 0.3),
            .linear(units: 10),
        ]
        // end example
        // On 1×8×8 images: 16 maps of 8×8 (padding keeps the size), pooled to 4×4, 256 features, 10 outputs.
        let model = try ModelBuilder.build(config.model, sampleShape: [1, 8, 8], outputs: 10, seed: 1)
        #expect(try model(Tensor.zeros([2, 1, 8, 8])).shape == [2, 10])
        #expect(model.parameterCount == (16 * 9 + 16) + (256 * 10 + 10))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTrain/RunFile/LayerSpec.swift", markedAs: "LayerSpec", in: #filePath) == nil)
    }

    @Test func optimizerSpecExample() throws {
        var config = RunConfig()
        config.model.layers = [.linear(units: 1)]
        // example: OptimizerSpec
        config.train.optimizer = .sgd(momentum: 0.9)
        // end example
        // The run file says it in two keys, and the run trains with SGD at that momentum.
        #expect(config.tomlText.contains("optimizer = \"sgd\"\nmomentum = 0.9\n"))
        let optimizer = try TrainingRun(config: config).makeOptimizer([])
        #expect((optimizer as? SGD)?.momentum == 0.9)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTrain/RunFile/OptimizerSpec.swift", markedAs: "OptimizerSpec", in: #filePath) == nil)
    }

    @Test func scheduleSpecExample() throws {
        var config = RunConfig()
        config.model.layers = [.linear(units: 1)]
        // example: ScheduleSpec
        config.train.schedule = .cosine(warmup: 100)
        // end example
        // Over 1000 steps: half the rate halfway through the warm-up, all of it at its end, none at the run's end.
        let scheduler = try #require(TrainingRun(config: config).makeScheduler(totalSteps: 1000))
        let lr = config.train.lr
        #expect(abs(scheduler.rate(step: 49) - lr / 2) < 1e-12 && abs(scheduler.rate(step: 99) - lr) < 1e-12)
        #expect(scheduler.rate(step: 1000) < 1e-12)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTrain/RunFile/ScheduleSpec.swift", markedAs: "ScheduleSpec", in: #filePath) == nil)
    }
}

/// Metrics and summaries of a diverged run follow the one JSON policy: the NaN is written as
/// "NaN" (not null, not a failure), and reads back as NaN.
struct MetricsJSONPolicyTests {
    @Test func nonFiniteMetricsAreWrittenByThePolicy() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("metrics.jsonl")
        let logger = MetricsLogger(url: url)
        try Data().write(to: url)
        var rng = RandomGenerator(seed: 1)
        let trainer = Trainer(model: Sequential([try Linear(1, 1, using: &rng)]), optimizer: try SGD([], lr: 0.1), loss: .mse)
        try logger.epochEnded(trainer, logs: EpochLogs(epoch: 1, step: 4, trainLoss: .nan, validation: ["loss": .infinity, "accuracy": 0.5],
                                                       learningRate: 0.1, seconds: 1))
        let line = try String(contentsOf: url, encoding: .utf8)
        #expect(line.contains(#""train_loss":"NaN""#) && line.contains(#""loss":"Infinity""#))
        struct Line: Decodable { let train_loss: Double; let validation: [String: Double] }
        let back = try LoupeJSON.decoder().decode(Line.self, from: Data(line.utf8))
        #expect(back.train_loss.isNaN && back.validation["loss"] == .infinity && back.validation["accuracy"] == 0.5)
    }

    @Test func aDivergedRunsSummaryKeepsItsNaN() throws {
        let config = try RunConfig(toml: """
            [run]
            name = "diverge"
            [data]
            dataset = "synthetic-regression"
            [model]
            layers = [{ type = "linear", units = 16, activation = "relu" }, { type = "linear", units = 1 }]
            [train]
            loss = "mse"
            lr = 50.0
            epochs = 3
            """)
        let runs = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runs) }
        let result = try onLargeStack { try TrainingRun(config: config, runsDirectory: runs).execute(progress: false, stopOnNonFinite: true) }
        #expect(result.stopReason?.contains("loss became") == true)
        let summary = try String(contentsOf: runs.appendingPathComponent("diverge/latest/summary.json"), encoding: .utf8)
        #expect(summary.contains(#""NaN""#) || summary.contains(#""Infinity""#), "\(summary)")
        #expect(!summary.contains("null"))
    }
}
