import Foundation
import LoupeCore
import LoupeData
import LoupeNN
import LoupeTestSupport
import LoupeTrain
import Testing
@testable import LoupeDebug

/// What the monitor records, checked against the same quantities computed independently.
struct HealthMonitorTests {
    /// Recomputes each layer's gradient norm from the parameters' gradients, by plain loops, right
    /// after the monitor took its statistics.
    final class GradientNormProbe: TrainerCallback {
        var norms: [[String: Double]] = []
        func gradientsComputed(_ trainer: Trainer, loss: Tensor) throws {
            var byLayer: [String: Double] = [:]
            for (name, p) in trainer.model.namedParameters() {
                let path = name.split(separator: ".").dropLast().joined(separator: ".")
                byLayer[path, default: 0] += p.grad?.doubles().reduce(0) { $0 + $1 * $1 } ?? 0
            }
            norms.append(byLayer.mapValues { $0.squareRoot() })
        }
    }

    static func data() throws -> TensorDataset {
        var rng = RandomGenerator(seed: 3)
        let x = try Tensor.normal([256, 8], using: &rng)
        let labels = (0..<256).map { i in x.floats()[i * 8] > 0 ? 1 : 0 }
        return try TensorDataset(inputs: x, targets: Tensor(indices: labels))
    }

    @Test func recordsPerLayerStatistics() throws {
        try onLargeStack {
            var rng = RandomGenerator(seed: 1)
            let model = Sequential([try Linear(8, 16, using: &rng), Activation(.relu), try Linear(16, 2, using: &rng)])
            let trainer = Trainer(model: model, optimizer: try SGD(model.parameters(), lr: 0.1), loss: .crossEntropy)
            var options = HealthMonitor.Options()
            options.everyStepUntil = 5
            options.interval = 4
            let data = try Self.data()
            let monitor = HealthMonitor(trainSample: data, options: options)
            let probe = GradientNormProbe()
            trainer.callbacks = [monitor, probe]
            var loader = try DataLoader(dataset: data, batchSize: 32, seed: 1)
            try trainer.fit(&loader, validation: data, epochs: 2)   // 16 steps
            let t = monitor.telemetry
            #expect(t.loss.count == 16 && t.learningRate.allSatisfy { $0 == 0.1 })
            #expect(t.sampledSteps == [1, 2, 3, 4, 5, 9, 13])
            #expect(t.model.layerOrder == ["layers.0", "layers.2"])
            let first = try #require(t.layers.first { $0.path == "layers.0" && $0.kind == .parameters })
            #expect(first.gradNorm.count == 7 && first.updateRatio.count == 7 && first.weightNorm.count == 7)
            for (column, step) in t.sampledSteps.enumerated() {
                let want = probe.norms[step - 1]["layers.0"]!
                #expect(abs(Double(first.gradNorm[column]) - want) <= 1e-4 * want)
            }
            // SGD without momentum: ‖Δw‖ = lr·‖g‖ over the layer's weight and bias.
            let ratio = Double(first.updateRatio[0]), expected = 0.1 * Double(first.gradNorm[0]) / Double(first.weightNorm[0])
            #expect(abs(ratio - expected) <= 1e-3 * expected)
            let relu = try #require(t.layers.first { $0.kind == .activation && $0.op == "relu" })
            #expect(relu.path == "layers.1" && relu.zeroFraction.count == 7)
            #expect(relu.zeroFraction.allSatisfy { $0 > 0.2 && $0 < 0.8 })
            #expect(t.epochs.count == 2 && t.epochs[0].trainSample?["accuracy"] != nil)
            #expect(t.histograms.contains { $0.path == "layers.1" && $0.counts.reduce(0, +) > 0 })
            #expect(t.data.labelEntropy != nil && t.data.meanBatchLabelEntropy! > 0.5)
            #expect(t.labelAudit?.examples == 256)
        }
    }

    @Test func softmaxIntoCrossEntropyIsSeen() throws {
        try onLargeStack {
            var rng = RandomGenerator(seed: 1)
            let model = Sequential([try Linear(8, 2, using: &rng), Activation(.softmax)])
            let trainer = Trainer(model: model, optimizer: try Adam(model.parameters()), loss: .crossEntropy)
            let monitor = HealthMonitor()
            trainer.callbacks = [monitor]
            var loader = try DataLoader(dataset: try Self.data(), batchSize: 64, seed: 1)
            try trainer.fit(&loader, epochs: 1)
            #expect(monitor.telemetry.model.softmaxIntoLoss && monitor.telemetry.model.softmaxPath == "layers.1")
        }
    }

    @Test func leavesTheRunUnchanged() throws {
        // The monitor only reads: the same seed gives the same losses with or without it.
        func losses(monitored: Bool) throws -> [Double] {
            var rng = RandomGenerator(seed: 1)
            let model = Sequential([try Linear(8, 16, using: &rng), Activation(.tanh), try Dropout(0.2, seed: 5), try Linear(16, 2, using: &rng)])
            let trainer = Trainer(model: model, optimizer: try Adam(model.parameters()), loss: .crossEntropy)
            final class Recorder: TrainerCallback {
                var values: [Double] = []
                func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws { values.append(loss) }
            }
            let recorder = Recorder()
            var options = HealthMonitor.Options()
            options.locateNonFinite = true
            trainer.callbacks = monitored ? [HealthMonitor(trainSample: try Self.data(), options: options), recorder] : [recorder]
            var loader = try DataLoader(dataset: try Self.data(), batchSize: 32, seed: 1)
            try trainer.fit(&loader, validation: try Self.data(), epochs: 2)
            return recorder.values
        }
        try onLargeStack {
            let monitored = try losses(monitored: true)
            let plain = try losses(monitored: false)
            #expect(monitored == plain)
        }
    }
}
