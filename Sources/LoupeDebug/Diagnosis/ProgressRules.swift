import Foundation

/// Progress judged against the trivial baseline (``Diagnosis/baseline``) and the curve's shape —
/// the blind spot of rules that only ask whether the loss fell: a run learning far too slowly for
/// its budget, and one that fell to what a model ignoring its input scores and stayed there.
extension Diagnosis {
    /// Learning, but too slowly for the budget: the loss still falls at the end at least 0.4× as
    /// fast as at the start — a straight line, not the convex curve of a run that found its way
    /// down — it fell less than half, it ends above half the trivial baseline (far from a useful
    /// model), and each step moves the weights by under 1e-3 of their norm. The learning rate is
    /// too low for this optimizer and this many steps — unless the run file sets its own
    /// initialization or heavy weight decay or dropout, which `loss_not_decreasing` names instead.
    func learningTooSlowly() -> Finding? {
        let f = curve.fifths
        guard f.count == 5, curve.firstNonFiniteStep == nil, curve.finite.count >= 40 else { return nil }
        let early = f[0] - f[1], late = f[3] - f[4]
        let ratio = medianUpdateRatio
        guard late > 0.004 * abs(f[4]), late >= 0.4 * early, curve.improvement < 0.5, ratio.isFinite, ratio < 1e-3 else { return nil }
        // A custom initialization or heavy regularization in the run file is the likelier brake:
        // the stuck-loss rule names it (raising the rate would only hide it).
        let decay = config?.train.weightDecay ?? 0
        let dropout = config?.model.layers.compactMap { if case let .dropout(rate) = $0 { rate } else { nil } }.max() ?? 0
        guard !customInitialization, decay < 0.1, dropout < 0.8 else { return nil }
        let base = baseline
        if let base { guard curve.final > 0.5 * base.loss else { return nil } } else { guard curve.improvement < 0.3 else { return nil } }
        // At the late rate, steps to reach half the baseline (or half the final loss without one).
        let target = 0.5 * (base?.loss ?? curve.final)
        let perStep = late / (Double(curve.finite.count) / 5)
        let stepsNeeded = (curve.final - target) / perStep
        let factor = Foundation.pow(10, min(3, max(1, log10(1e-3 / ratio).rounded(.up))))
        var evidence: [String: Double] = ["lr": learningRate, "median_update_ratio": ratio, "loss_drop_first_fifth": early,
                                          "loss_drop_last_fifth": late, "final_loss": curve.final, "steps_to_half_baseline": stepsNeeded,
                                          "steps": Double(curve.finite.count)]
        if let base { evidence["baseline_loss"] = base.loss }
        if let acc = telemetry.epochs.last?.validation?["accuracy"] { evidence["validation_accuracy"] = acc }
        var explanation = "Learning, but far too slowly for this budget: the loss still falls in a straight line (\(fmt(late)) over the last fifth of the run against \(fmt(early)) over the first) and ended at \(fmt(curve.final))"
        if let base { explanation += ", against \(fmt(base.loss)) for \(base.name)" }
        explanation += ". At its late rate it would take about \(fmt(stepsNeeded / Double(curve.finite.count)))× the steps it ran to get \(base == nil ? "to half that loss" : "to half the baseline"). Each step changes the weights by \(fmt(ratio)) of their norm (healthy runs: about 1e-3): the learning rate \(fmt(learningRate)) is too low for \(telemetry.model.optimizer.isEmpty ? "this optimizer" : telemetry.model.optimizer)."
        var fixes = [SuggestedFix("Raise the learning rate \(fmt(factor))× (\(fmt(learningRate)) → \(fmt(learningRate * factor))).", action: .scaleLearningRate(factor))]
        if telemetry.model.optimizer.lowercased() == "sgd" {
            // Plain SGD already at a large rate and still this slow: the optimizer, not the rate
            // (another 10× would overshoot); Adam rescales each parameter's step.
            let adam = SuggestedFix("Switch to Adam with lr 1e-3.", action: .switchOptimizer(.adam, lr: 1e-3))
            if learningRate >= 0.05 { fixes.insert(adam, at: 0) } else { fixes.append(adam) }
        }
        fixes.append(SuggestedFix("Train longer (train.epochs / train.steps) only once the curve bends: a straight line means the step is too small."))
        return Finding(kind: .lrTooLow, severity: .warning, confidence: late >= early ? 0.85 : 0.75, firstStep: telemetry.sampledSteps.first,
                       evidence: evidence, explanation: explanation, fixes: fixes)
    }

    /// Fell to the trivial baseline early and stayed there: it started well above it (the model
    /// as initialized), reached it within the first half of the run, and the last fifth of the
    /// run barely moved (under a fifth of the fall from the first loss, under 2% of the
    /// baseline), ending within −7%…+10% of it. The model learned only what needs no input (the
    /// class prior, the token frequencies). With large updates it is the learning rate — the
    /// optimizer keeps overshooting anything finer — otherwise the loss is not decreasing.
    func stuckAtBaseline() -> Finding? {
        guard let base = baseline, curve.fifths.count == 5, curve.firstNonFiniteStep == nil, curve.finite.count >= 40 else { return nil }
        let f = curve.fifths, b = base.loss
        // The fall is measured from the first loss: most of it happens in the first steps.
        let fall = curve.initial - f[1], late = f[3] - f[4]
        guard curve.initial > 1.15 * b, curve.final >= 0.93 * b, curve.final <= 1.1 * b, late <= 0.2 * max(fall, 0), late < 0.02 * b,
              let reached = curve.firstStepAtOrBelow(1.1 * b), reached <= curve.finite.count / 2 else { return nil }
        let ratio = medianUpdateRatio
        var evidence: [String: Double] = ["baseline_loss": b, "initial_loss": curve.initial, "final_loss": curve.final,
                                          "step_reaching_baseline": Double(reached), "lr": learningRate]
        if ratio.isFinite { evidence["median_update_ratio"] = ratio }
        if let acc = telemetry.epochs.last?.validation?["accuracy"] { evidence["validation_accuracy"] = acc }
        if let majority = telemetry.data.majorityFraction { evidence["majority_accuracy"] = majority }
        let story = "The loss fell from \(fmt(curve.initial)) to \(fmt(b)), \(base.name), by step \(reached) of \(curve.finite.count) and stayed there (\(fmt(curve.final)) at the end): the model learned only what needs no input"
        if ratio.isFinite && ratio > 3e-3 {
            return Finding(kind: .lrTooHigh, severity: .warning, confidence: 0.8, firstStep: reached, evidence: evidence,
                           explanation: story + ". Each step changes the weights by \(pct(ratio)) of their norm (healthy runs: about 0.1%): the learning rate \(fmt(learningRate)) is too high for \(telemetry.model.optimizer.isEmpty ? "this optimizer" : telemetry.model.optimizer) to settle into anything finer.",
                           fixes: [SuggestedFix("Lower the learning rate 10× (\(fmt(learningRate)) → \(fmt(learningRate / 10))).", action: .scaleLearningRate(0.1)),
                                   SuggestedFix("Warm the learning rate up (train.warmup) and decay it (train.schedule = \"cosine\").")])
        }
        return Finding(kind: .lossNotDecreasing, severity: .warning, confidence: 0.7, firstStep: reached, evidence: evidence,
                       explanation: story + ".",
                       fixes: [SuggestedFix("Switch to Adam with lr 1e-3.", action: .switchOptimizer(.adam, lr: 1e-3))])
    }
}
