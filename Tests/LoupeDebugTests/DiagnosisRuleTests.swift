import Foundation
import Testing
@testable import LoupeDebug

/// Each rule on hand-made telemetry, just over and just under its threshold.
struct DiagnosisRuleTests {
    /// A run whose loss falls smoothly from 2.3 to 0.2 over 200 steps, with two layers sampled
    /// every 10 steps: the healthy baseline each test perturbs.
    static func baseline(steps: Int = 200) -> Telemetry {
        var t = Telemetry()
        t.loss = (0..<steps).map { Float(0.2 + 2.1 * exp(-Double($0) / 40)) }
        t.learningRate = Array(repeating: 0.01, count: steps)
        t.sampledSteps = Array(stride(from: 1, through: steps, by: 10))
        t.model.layerOrder = ["layers.0", "layers.2"]
        t.model.loss = "cross_entropy"
        for path in t.model.layerOrder {
            var s = LayerSeries(path: path, kind: .parameters)
            s.gradNorm = t.sampledSteps.map { _ in 0.5 }
            s.weightNorm = t.sampledSteps.map { _ in 5 }
            s.updateRatio = t.sampledSteps.map { _ in 1e-3 }
            t.layers.append(s)
        }
        var relu = LayerSeries(path: "layers.1", kind: .activation)
        relu.op = "relu"
        relu.zeroFraction = t.sampledSteps.map { _ in 0.5 }
        relu.deadUnitFraction = t.sampledSteps.map { _ in 0.05 }
        relu.std = t.sampledSteps.map { _ in 1 }
        t.layers.append(relu)
        t.data = DataProfile(inputMean: 0, inputStd: 1, inputMaxMagnitude: 4, batchesSeen: 20,
                             meanBatchLabelEntropy: 2.1, labelEntropy: 2.3, repeatedMajorityFraction: 0.1, classes: 10)
        return t
    }

    static func kinds(_ t: Telemetry) -> [FindingKind] { Diagnosis(telemetry: t).findings().map(\.kind) }

    @Test func baselineIsHealthy() {
        let f = Diagnosis(telemetry: Self.baseline()).findings()
        #expect(f.map(\.kind) == [.healthy] && f[0].severity == .info)
    }

    @Test func vanishingNeedsBothRatioAndSmallNorm() {
        var t = Self.baseline()
        t.layers[0].gradNorm = t.layers[0].gradNorm.map { _ in 5e-5 }   // ratio 1e-4, norm 5e-5
        #expect(Self.kinds(t).first == .vanishingGradients)
        t.layers[0].gradNorm = t.layers[0].gradNorm.map { _ in 2e-4 }   // ratio 4e-4 but norm ≥ 1e-4
        #expect(!Self.kinds(t).contains(.vanishingGradients))
    }

    @Test func explodingByAutotrainerRatio() {
        var t = Self.baseline()
        t.layers[0].gradNorm = t.layers[0].gradNorm.map { _ in 40 }     // 80× the last layer
        #expect(Self.kinds(t).first == .explodingGradients)
        t.layers[0].gradNorm = t.layers[0].gradNorm.map { _ in 30 }     // 60×
        #expect(!Self.kinds(t).contains(.explodingGradients))
    }

    @Test func deadAndSaturatedActivations() {
        var t = Self.baseline()
        t.layers[2].deadUnitFraction = t.layers[2].deadUnitFraction.map { _ in 0.6 }
        #expect(Self.kinds(t).first == .deadReLU)
        var s = Self.baseline()
        s.layers[2].op = "tanh"
        s.layers[2].saturatedFraction = s.sampledSteps.map { _ in 0.7 }
        #expect(Self.kinds(s).first == .saturatedActivations)
        s.layers[2].saturatedFraction = s.sampledSteps.map { _ in 0.4 }
        #expect(Self.kinds(s) == [.healthy])
    }

    @Test func learningRateFromUpdatesAndLoss() {
        var low = Self.baseline()
        low.loss = low.loss.indices.map { Float(2.3 - 0.0005 * Double($0)) }
        for i in 0..<2 { low.layers[i].updateRatio = low.layers[i].updateRatio.map { _ in 2e-6 } }
        #expect(Self.kinds(low).first == .lrTooLow)
        var high = Self.baseline()
        high.loss = high.loss.indices.map { Float(2.3 + Double($0) * 0.05) }   // climbs
        #expect(Self.kinds(high).first == .lrTooHigh)
    }

    @Test func rootCauseBeforeSymptoms() {
        // The loss climbs for 60 steps, then turns NaN: lr_too_high first, nan_inf after it.
        var t = Self.baseline(steps: 80)
        t.loss = (0..<80).map { $0 < 60 ? Float(2.3 * pow(1.05, Double($0))) : .nan }
        let f = Diagnosis(telemetry: t).findings()
        #expect(f.map(\.kind).prefix(2) == [.lrTooHigh, .nanInf])
        #expect(f[0].severity == .error && f[0].firstStep == 61)
        // NaN at the first step is the starting point's fault, not the learning rate's.
        var early = Self.baseline(steps: 80)
        early.loss = (0..<80).map { _ in .nan }
        #expect(Self.kinds(early).first == .nanInf)
    }

    @Test func dataFindings() {
        var unshuffled = Self.baseline()
        unshuffled.data.meanBatchLabelEntropy = 0.2
        #expect(Self.kinds(unshuffled).first == .unshuffledData)
        var scaled = Self.baseline()
        scaled.data.inputStd = 60
        scaled.data.inputMaxMagnitude = 255
        #expect(Self.kinds(scaled).first == .unnormalizedInputs)
        var softmax = Self.baseline()
        softmax.model.softmaxIntoLoss = true
        #expect(Self.kinds(softmax).first == .doubleSoftmax)
    }

    @Test func overfittingAndLabelNoiseFromEpochs() {
        var t = Self.baseline()
        let validation: [Double] = [1.0, 0.6, 0.5, 0.55, 0.65, 0.8]
        t.epochs = validation.enumerated().map { i, v in
            EpochRecord(epoch: i + 1, step: (i + 1) * 30, trainLoss: 1.0 / Double(i + 1), validation: ["loss": v, "accuracy": 0.8],
                        trainSample: ["loss": 0.9 / Double(i + 1), "accuracy": 0.8 + 0.03 * Double(i)], learningRate: 0.01)
        }
        #expect(Self.kinds(t).first == .overfitting)
        var noisy = t
        noisy.epochs = noisy.epochs.map { e in
            var e = e
            e.validation = ["loss": 0.5, "accuracy": 0.9]
            e.trainSample = ["loss": 1.4, "accuracy": 0.6]
            return e
        }
        let f = Diagnosis(telemetry: noisy).findings()
        #expect(f.first?.kind == .labelNoise)
        let estimate: Double = f.first?.evidence["estimated_noise_fraction"] ?? 0
        let truth: Double = 1 - 0.6 / 0.9
        #expect(abs(estimate - truth) < 1e-9)
    }
}
