import Foundation

extension Diagnosis {
    /// AUTOTRAINER's dying-ReLU rule (≥ 70% zeros), made robust: a ReLU layer whose units are
    /// zero for every example of the batch (dead units), or whose outputs are almost all zero.
    func deadReLU() -> Finding? {
        var hits: [(path: String, dead: Double, zeros: Double, step: Int)] = []
        for layer in activationLayers where ActivationRecorder.reluLike.contains(layer.op) {
            let dead = Series.median(Series.lateHalf(layer.deadUnitFraction))
            let zeros = Series.median(Series.lateHalf(layer.zeroFraction))
            guard (dead.isFinite && dead >= 0.4) || (zeros.isFinite && zeros >= 0.9) else { continue }
            let firstIndex = layer.deadUnitFraction.firstIndex { $0 >= 0.4 } ?? layer.zeroFraction.firstIndex { $0 >= 0.9 } ?? 0
            hits.append((layer.path, dead, zeros, telemetry.sampledSteps[min(firstIndex, telemetry.sampledSteps.count - 1)]))
        }
        guard !hits.isEmpty else { return nil }
        hits.sort { $0.dead > $1.dead }
        let worst = hits[0]
        var fixes: [SuggestedFix] = []
        if customInitialization { fixes.append(SuggestedFix("Use the default initialization (remove the `init`/`bias_init` overrides): a negative bias switches the units off from the start.", action: .defaultInitialization)) }
        fixes += [SuggestedFix("Use LeakyReLU, whose negative side still passes a gradient.", action: .replaceActivation(from: [.relu], to: .leakyRelu)),
                  SuggestedFix("Lower the learning rate 10× (a large step can push units into the dead zone).", action: .scaleLearningRate(0.1))]
        return Finding(kind: .deadReLU, severity: .warning, confidence: min(1, 0.5 + worst.dead), firstStep: worst.step,
                       layers: hits.map(\.path),
                       evidence: ["dead_unit_fraction": worst.dead, "zero_output_fraction": worst.zeros, "layers_affected": Double(hits.count)],
                       explanation: "In `\(worst.path)`, \(pct(worst.dead)) of the ReLU units output zero for every example (\(pct(worst.zeros)) of all outputs are zero). A dead unit passes no gradient, so it never recovers: that capacity is lost.",
                       fixes: fixes)
    }

    /// DeepDiagnosis: more than half of a sigmoid/tanh layer's pre-activations have |x| ≥ 5.
    func saturatedActivations() -> Finding? {
        var hits: [(path: String, op: String, fraction: Double, step: Int)] = []
        for layer in activationLayers where ActivationRecorder.saturating.contains(layer.op) {
            let fraction = Series.median(Series.lateHalf(layer.saturatedFraction))
            guard fraction.isFinite, fraction > 0.5 else { continue }
            let firstIndex = layer.saturatedFraction.firstIndex { $0 > 0.5 } ?? 0
            hits.append((layer.path, layer.op, fraction, telemetry.sampledSteps[min(firstIndex, telemetry.sampledSteps.count - 1)]))
        }
        guard !hits.isEmpty else { return nil }
        hits.sort { $0.fraction > $1.fraction }
        let worst = hits[0]
        var fixes: [SuggestedFix] = []
        if customInitialization { fixes.append(SuggestedFix("Use the default initialization, scaled to each layer's fan-in (remove the `init` overrides): large weights push the pre-activations into the flat tails.", action: .defaultInitialization)) }
        fixes += [SuggestedFix("Use ReLU instead of \(worst.op) in the hidden layers.", action: .replaceActivation(from: [.sigmoid, .tanh], to: .relu)),
                  SuggestedFix("Add BatchNorm before the activations.", action: .addBatchNorm)]
        return Finding(kind: .saturatedActivations, severity: .warning, confidence: min(1, 0.4 + worst.fraction / 2), firstStep: worst.step,
                       layers: hits.map(\.path),
                       evidence: ["saturated_fraction": worst.fraction, "layers_affected": Double(hits.count)],
                       explanation: "In `\(worst.path)`, \(pct(worst.fraction)) of the \(worst.op) inputs have |x| ≥ 5 (DeepDiagnosis flags > 50%), where the derivative is below 1% of its peak: those units pass almost no gradient.",
                       fixes: fixes)
    }
}

func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.0f%%", x * 100) : "?" }
