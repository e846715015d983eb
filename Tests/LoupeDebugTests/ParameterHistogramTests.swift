import Foundation
import LoupeCore
import LoupeData
import LoupeNN
import LoupeReport
import LoupeStore
import LoupeTestSupport
import LoupeTrain
import Testing
@testable import LoupeDebug

/// The debugger's one histogram (`ValueHistogram`) and the weight and gradient histograms the
/// monitor keeps per parameter layer: where values land, the cadence and thinning, the record in
/// the run store, and old health.json files.
struct ParameterHistogramTests {
    /// Copies every layer's weights and gradients at every step, grouped and ordered as the
    /// monitor groups them (parameters in `namedParameters` order, by the path above the name).
    final class ValueProbe: TrainerCallback {
        var weights: [Int: [String: [Float]]] = [:], gradients: [Int: [String: [Float]]] = [:]
        func gradientsComputed(_ trainer: Trainer, loss: Tensor) throws {
            for (name, p) in trainer.model.namedParameters() where p.isTrainable {
                let path = name.split(separator: ".").dropLast().joined(separator: ".")
                weights[trainer.step + 1, default: [:]][path, default: []] += p.value.floats()
                gradients[trainer.step + 1, default: [:]][path, default: []] += p.grad?.floats() ?? []
            }
        }
    }

    /// A small MLP trained 16 steps with every step sampled (histograms at steps 1, 6, 11, 16).
    static func train(_ options: HealthMonitor.Options = everyStep(), epochs: Int = 2) throws -> (HealthMonitor, ValueProbe) {
        try onLargeStack {
            var rng = RandomGenerator(seed: 1)
            let model = Sequential([try Linear(8, 16, using: &rng), Activation(.relu), try Linear(16, 2, using: &rng)])
            let trainer = Trainer(model: model, optimizer: try SGD(model.parameters(), lr: 0.1), loss: .crossEntropy)
            let data = try HealthMonitorTests.data()
            let monitor = HealthMonitor(trainSample: data, options: options)
            let probe = ValueProbe()
            trainer.callbacks = [monitor, probe]
            var loader = try DataLoader(dataset: data, batchSize: 32, seed: 1)
            try trainer.fit(&loader, validation: data, epochs: epochs)
            return (monitor, probe)
        }
    }

    static func everyStep() -> HealthMonitor.Options {
        var options = HealthMonitor.Options()
        options.everyStepUntil = 1000
        return options
    }

    @Test func countsSumToTheFiniteValuesAndTheRestAreCounted() throws {
        let values: [Float] = [-1, 0, 0.5, 3, .nan, .infinity, -.infinity, 2, 2]
        let h = try #require(ValueHistogram(values, bins: 4))
        #expect(h.lower == -1 && h.upper == 3 && h.counts.reduce(0, +) == 6 && h.nonFinite == 3)
        // Edges −1, 0, 1, 2, 3: each bucket holds its left edge; the last holds the largest value.
        #expect(h.counts == [1, 2, 0, 3])
        #expect(h.sum == 6.5 && h.sumOfSquares == 1 + 0.25 + 9 + 4 + 4)
        #expect(ValueHistogram([.nan, .infinity], bins: 4) == nil && ValueHistogram([1], bins: 0) == nil)
    }

    @Test func aValueOnAnEdgeLandsWhereTheEdgesPutIt() throws {
        // Values on and next to the edges lower + i·width (as the export writes them): each one is
        // where comparing it with the edges puts it, whatever the division rounds to.
        let values: [Float] = (0...300).flatMap { i -> [Float] in let v = Float(i) / 1000; return [v.nextDown, v, v.nextUp] }
        let h = try #require(ValueHistogram(values, bins: 7))
        let low = Double(h.lower), width = (Double(h.upper) - low) / 7
        for (i, count) in h.counts.enumerated() {
            let left = low + Double(i) * width, right = i == 6 ? Double(h.upper) : low + Double(i + 1) * width
            let inside = values.filter { Double($0) >= left && (i == 6 ? Double($0) <= right : Double($0) < right) }.count
            #expect(count == inside, "bucket \(i)")
        }
    }

    @Test func oneValueRepeatedFillsTheFirstBucket() throws {
        let h = try #require(ValueHistogram([0, 0, 0], bins: 5))
        // A dead layer's zero gradients: the range is the one value, not a made-up 0…1.
        #expect(h.lower == 0 && h.upper == 0 && h.counts == [3, 0, 0, 0, 0] && h.sum == 0)
        let huge = try #require(ValueHistogram([3e38], bins: 2))
        #expect(huge.upper == huge.lower && huge.counts == [1, 0])
    }

    @Test func everyParameterLayerGetsWeightAndGradientHistogramsAtSeveralSteps() throws {
        let (monitor, probe) = try Self.train()
        let t = monitor.telemetry
        #expect(t.sampledSteps == Array(1...16))
        for path in ["layers.0", "layers.2"] {
            for kind in [ParameterHistogram.Kind.weights, .gradients] {
                let series = t.parameterHistograms.filter { $0.path == path && $0.kind == kind }
                #expect(series.map(\.step) == [1, 6, 11, 16], "\(kind) \(path)")
                for h in series {
                    let values = (kind == .weights ? probe.weights : probe.gradients)[h.step]![path]!
                    #expect(h.counts.count == 40 && h.counts.reduce(0, +) == values.count && h.nonFinite == 0)
                    #expect(h.lower == values.min()! && h.upper == values.max()!)
                    #expect(h.sum == values.reduce(0.0) { $0 + Double($1) })
                }
            }
        }
        // Linear(8, 16): 8·16 weights and 16 biases together.
        #expect(t.parameterHistograms.first { $0.path == "layers.0" }?.counts.reduce(0, +) == 8 * 16 + 16)
    }

    @Test func aLongRunKeepsAtMostTheCapEvenlySpread() throws {
        var options = Self.everyStep()
        options.parameterHistogramsPerLayer = 3
        let (monitor, _) = try Self.train(options, epochs: 4)   // 32 steps: histograms at 1, 6, 11, ...
        let steps = monitor.telemetry.parameterHistograms.filter { $0.path == "layers.0" && $0.kind == .weights }.map(\.step)
        // 1, 6, 11, 16 → 1, 11; then every 10th sampled step: 21 → 1, 11, 21; 31 → 1, 21 (interval 20).
        #expect(steps == [1, 21])
        #expect(monitor.telemetry.parameterHistograms.count == 2 * 2 * steps.count)
    }

    @Test func theRunStoreGetsWeightsAndGradientsTagsWithExactSums() throws {
        let (monitor, _) = try Self.train()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RunStore(path: directory.appendingPathComponent("loupe.sqlite").path)
        let recorder = try RunRecorder(store: store, info: store.newRun(name: "mlp", kind: .debug, command: "x"))
        try monitor.telemetry.record(into: recorder)
        try recorder.finish(.completed)
        let recorded = try store.records(recorder.id, kind: RecordedHistogram.kind).map {
            try LoupeJSON.decoder().decode(RecordedHistogram.self, from: Data($0.json.utf8))
        }
        for tag in ["weights/layers.0", "weights/layers.2", "gradients/layers.0", "gradients/layers.2"] {
            #expect(recorded.filter { $0.tag == tag }.map(\.step) == [1, 6, 11, 16], "\(tag)")
        }
        let h = try #require(monitor.telemetry.parameterHistograms.first { $0.kind == .gradients })
        let r = try #require(recorded.first { $0.tag == "gradients/\(h.path)" && $0.step == h.step })
        #expect(r.sum == h.sum && r.sumSquares == h.sumOfSquares && r.nonFinite == 0 && r.counts == h.counts)
        let tb = try #require(r.tensorBoardHistogram)
        #expect(tb.sum == h.sum && tb.count == Double(h.counts.reduce(0, +)) && tb.bucketLimits.last == Double(h.upper))
    }

    @Test func healthJSONWrittenBeforeParameterHistogramsStillReads() throws {
        let (monitor, _) = try Self.train(epochs: 1)
        var object = try #require(JSONSerialization.jsonObject(with: LoupeJSON.encoder().encode(monitor.telemetry)) as? [String: Any])
        #expect(object["parameterHistograms"] != nil)
        object["parameterHistograms"] = nil
        let old = try LoupeJSON.decoder().decode(Telemetry.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.parameterHistograms.isEmpty && old.sampledSteps == monitor.telemetry.sampledSteps)
    }
}
