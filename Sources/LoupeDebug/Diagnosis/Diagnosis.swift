import Foundation
import LoupeReport
import LoupeTrain

/// Turns a run's telemetry into findings, most important first.
///
/// Each rule starts from a published one (AUTOTRAINER's gradient-ratio and zero-gradient rules,
/// DeepDiagnosis's saturation rule, Karpathy's update-to-weight ratio) with thresholds tuned on the
/// fault suite in `examples/faults/` (docs/DEBUGGER.md). Ordering puts root causes before the
/// symptoms they produce: a learning rate that blows up the gradients is reported above the
/// exploding gradients and the NaN it ends in.
public struct Diagnosis {
    public let telemetry: Telemetry
    /// The run file, when known: lets fixes name concrete changes (e.g. which `init` to drop).
    public let config: RunConfig?
    let curve: LossCurve

    public init(telemetry: Telemetry, config: RunConfig? = nil) {
        self.telemetry = telemetry
        self.config = config
        self.curve = LossCurve(telemetry.loss)
    }

    /// Every finding, most important first; `[healthy]` (severity info) when nothing is wrong.
    public func findings() -> [Finding] {
        var found: [(rank: Double, finding: Finding)] = []
        func add(_ f: Finding?, rank: Double) { if let f { found.append((rank, f)) } }
        let nan = nanInf()
        add(nan?.early == true ? nan?.finding : nil, rank: 0)
        add(doubleSoftmax(), rank: 1)
        // A fine-tune's data problems come before anything its training shows.
        add(labelMaskEmpty(), rank: 0.5)
        add(templateMismatch(), rank: 0.6)
        add(catastrophicForgetting(), rank: 12)
        add(rankDesync(), rank: 0.7)
        add(straggler(), rank: 12.5)
        add(parametersWithoutGradient(), rank: 12.7)
        add(unnormalizedInputs(), rank: 2)
        add(unshuffledData(), rank: 3)
        // A run that fell to the trivial baseline and stayed is the learning rate's doing when
        // its updates are large; otherwise a loss that is not decreasing.
        // A fine-tune (model.init_from: pruning, a pruned model's recovery) starts from a trained
        // model, far below the trivial baseline, where a loss that barely moves is the point:
        // the from-scratch progress rules do not apply to it.
        let fineTune = config?.model.initFrom != nil || isLanguageModelFineTune
        let baselineStuck = fineTune ? nil : stuckAtBaseline()
        let tooHigh = learningRateTooHigh(nanStep: nan?.early == false ? nan?.finding.firstStep : nil)
            ?? (baselineStuck?.kind == .lrTooHigh ? baselineStuck : nil)
        add(tooHigh, rank: 4)
        add(nan?.early == false ? nan?.finding : nil, rank: 5)
        add(labelNoise(), rank: 6)
        add(saturatedActivations(), rank: 7)
        add(deadReLU(), rank: 8)   // dead units starve the earlier layers of gradient: a cause of vanishing ones
        // Gradients that explode from the first steps come from the initialization: a root cause
        // of the oscillation and dead units that follow.
        add(explodingGradients(), rank: 4.5)
        add(vanishingGradients(), rank: 10)
        // After a too-high rate has killed the network nothing moves any more: tiny updates then
        // are not a too-low rate.
        let tooLow = tooHigh == nil && !fineTune ? learningRateTooLow() : nil
        let tooSlow = tooHigh == nil && tooLow == nil && !fineTune ? learningTooSlowly() : nil
        add(tooLow ?? tooSlow, rank: 11)
        // An oscillating loss is the learning rate's doing, and kills ReLUs on the way.
        add(lossOscillating(), rank: 5.2)
        add(overfitting(), rank: 13)
        // A stuck loss with a cause in the run file (weight decay, dropout) is that cause; otherwise
        // it is the last resort when nothing more specific explains it.
        // A too-slow run's loss barely moving is that slowness, not a stuck loss.
        let stuck = tooSlow == nil && !fineTune ? (baselineStuck?.kind == .lossNotDecreasing ? baselineStuck : nil) ?? lossNotDecreasing() : nil
        add(stuck, rank: stuck.map { $0.evidence["weight_decay"] != nil || $0.evidence["dropout"] != nil } == true ? 5.4 : 14)
        // Root causes first; among findings of one cause, the more severe first.
        var ordered = found.sorted { a, b in
            let (sa, sb) = (a.finding.severity >= .warning, b.finding.severity >= .warning)
            if sa != sb { return sa }
            return a.rank < b.rank
        }.map(\.finding)
        if !ordered.contains(where: { $0.severity >= .warning }) {
            ordered.insert(healthy(), at: 0)
        }
        return ordered
    }

    func healthy() -> Finding {
        var evidence: [String: Double] = ["steps": Double(telemetry.loss.count)]
        if curve.initial.isFinite { evidence["initial_loss"] = curve.initial }
        if curve.final.isFinite { evidence["final_loss"] = curve.final }
        if let acc = telemetry.epochs.last?.validation?["accuracy"] { evidence["validation_accuracy"] = acc }
        if let majority = telemetry.data.majorityFraction { evidence["majority_accuracy"] = majority }
        var against = ""
        if let base = baseline {
            evidence["baseline_loss"] = base.loss
            against = " (\(base.name) is \(fmt(base.loss)))"
        }
        return Finding(kind: .healthy, severity: .info, confidence: 0.9, evidence: evidence,
                       explanation: "No problem found: the loss fell from \(fmt(curve.initial)) to \(fmt(curve.final))\(against), gradients and activations stayed in healthy ranges.")
    }

    // MARK: Shared facts

    /// Parameter layers from input to output.
    var parameterLayers: [LayerSeries] {
        telemetry.model.layerOrder.compactMap { path in telemetry.layers.first { $0.kind == .parameters && $0.path == path } }
    }
    var activationLayers: [LayerSeries] { telemetry.layers.filter { $0.kind == .activation } }

    /// Median update-to-weight ratio over layers and the sampled steps of the first half of the run.
    var medianUpdateRatio: Double {
        let values = parameterLayers.flatMap { Series.finite(Array($0.updateRatio.prefix(max(1, $0.updateRatio.count / 2)))) }
        return Series.median(values)
    }

    /// Loss of predicting the uniform distribution over the classes (classification).
    var chanceLoss: Double? {
        guard telemetry.model.loss == "cross_entropy", let c = telemetry.data.classes, c > 1 else { return nil }
        return Foundation.log(Double(c))
    }

    /// The loss of the best trivial model — one that ignores its input: the class prior's
    /// cross-entropy (the label entropy) for a classifier, the unigram loss for text, the targets'
    /// variance for a regression trained with MSE. Progress is judged against it, not only against
    /// the first loss.
    var baseline: (loss: Double, name: String)? {
        // A pretrained model starts far below any trivial baseline: there is none to judge it by.
        guard !isLanguageModelFineTune else { return nil }
        let d = telemetry.data
        if telemetry.model.loss == "cross_entropy" {
            if let u = d.unigramLoss, u > 0 { return (u, "the unigram (token-frequency) loss") }
            if let h = d.labelEntropy, h > 0, (d.classes ?? 0) > 1 { return (h, "the class prior's loss") }
        }
        if telemetry.model.loss == "mse", let v = d.targetVariance, v > 0 { return (v, "the mean predictor's loss") }
        return nil
    }

    /// Whether the run file overrides a layer's initialization.
    var customInitialization: Bool {
        config?.model.layers.contains { $0.initializer != nil || $0.biasInit != nil } ?? false
    }
    var learningRate: Double { Double(telemetry.learningRate.first(where: { $0 > 0 }) ?? 0) }
}

/// A number in a finding's sentences, in the reports' one format (``NumberText``).
func fmt(_ x: Double) -> String { NumberText.readable(x) }
