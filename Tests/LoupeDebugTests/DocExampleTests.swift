import Foundation
import LoupeCore
import LoupeData
import LoupeDebug
import LoupeNN
import LoupeTestSupport
import LoupeTrain
import Testing

/// The doc comments' examples in LoupeDebug, compiled and run here and checked against the source:
/// a monitored run, its diagnosis, and the report written from both.
struct DocExampleTests {
    @Test func monitorAndReportExamples() throws {
        let runDirectory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        let (monitor, findings, trainer) = try onLargeStack {
            var rng = RandomGenerator(seed: 1)
            let splits = try DatasetSplits(splitting: Synthetic.classification(samples: 300, features: 2, classes: 3, seed: 1), seed: 1)
            let model = Sequential([try Linear(2, 16, using: &rng), Activation(.relu), try Linear(16, 3, using: &rng)])
            let trainer = Trainer(model: model, optimizer: try SGD(model.parameters(), lr: 0.1), loss: .crossEntropy)
            var loader = try DataLoader(dataset: splits.train, batchSize: 32, seed: 1)
            // example: HealthMonitor
            let monitor = HealthMonitor(trainSample: splits.train)
            trainer.callbacks.append(monitor)
            try trainer.fit(&loader, validation: splits.validation, epochs: 5)
            let findings = Diagnosis(telemetry: monitor.telemetry).findings()
            // end example
            return (monitor, findings, trainer)
        }
        // Every step's loss, every epoch, the model's layers, and a healthy verdict on a run that learns.
        #expect(monitor.telemetry.loss.count == trainer.step && monitor.telemetry.epochs.count == 5)
        #expect(monitor.telemetry.model.layerOrder == ["layers.0", "layers.2"])
        #expect(findings.first?.kind == .healthy, "\(findings.map(\.kind))")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeDebug/Monitor/HealthMonitor.swift", markedAs: "HealthMonitor", in: #filePath) == nil)

        let telemetry = monitor.telemetry
        let report = DebugReport(run: "blobs", runFile: "blobs.toml", findings: findings, metrics: [:], steps: trainer.step,
                                 epochs: trainer.epoch, seconds: 1, stopReason: nil)
        // example: HTMLReport
        try HTMLReport.write(report, telemetry: telemetry, to: runDirectory.appendingPathComponent("debug.html"))
        // end example
        let written = try String(contentsOf: runDirectory.appendingPathComponent("debug.html"), encoding: .utf8)
        #expect(written == HTMLReport.render(report, telemetry: telemetry))
        #expect(written.contains("<title>Loupe debug: blobs</title>") && written.contains("<article class=\"finding healthy\">"))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeDebug/Report/HTMLReport.swift", markedAs: "HTMLReport", in: #filePath) == nil)
    }
}
