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
        let summary = try String(contentsOf: runs.appendingPathComponent("diverge/summary.json"), encoding: .utf8)
        #expect(summary.contains(#""NaN""#) || summary.contains(#""Infinity""#), "\(summary)")
        #expect(!summary.contains("null"))
    }
}
