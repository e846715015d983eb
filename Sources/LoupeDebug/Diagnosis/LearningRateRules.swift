import Foundation

extension Diagnosis {
    /// The loss rose well above where it started, or broke into NaN after climbing, or each step
    /// changes the weights by a large fraction of their size.
    func learningRateTooHigh(nanStep: Int?) -> Finding? {
        let ratio = medianUpdateRatio
        let decayDrivenRun = (config?.train.weightDecay ?? 0) * learningRate >= 0.01
        // A fine-tune starts from a trained model's tiny loss, which pruning then raises on
        // purpose: there the loss must climb toward chance to indict the learning rate.
        let floor = config?.model.initFrom != nil ? (chanceLoss ?? 0) * 0.5 : 0
        let rose = (curve.peak > max(curve.initial * 1.5, floor) || curve.final > max(curve.initial * 1.1, floor)) && !decayDrivenRun
        // Large updates only indict the learning rate when the loss started sane (a huge initial
        // loss is the initialization's doing) and weight decay is not what moves the weights.
        let saneStart = chanceLoss.map { curve.initial < 3 * $0 } ?? true
        let decayDriven = (config?.train.weightDecay ?? 0) * learningRate >= 0.01
        // LoRA's B starts at zero, so an adapter's first updates are large next to its weights
        // whatever the rate: the ratio says nothing about an LLM fine-tune's learning rate.
        let hugeUpdates = ratio.isFinite && ratio > 0.05 && curve.improvement < 0.5 && !decayDriven && !isLanguageModelFineTune
        // A loss already broken or absurd at the first step is the starting point's fault.
        guard curve.initial.isFinite, saneStart else { return nil }
        guard nanStep != nil || (rose && curve.improvement < 0.5) || hugeUpdates else { return nil }
        var evidence: [String: Double] = ["lr": learningRate, "initial_loss": curve.initial, "peak_loss": curve.peak]
        if ratio.isFinite { evidence["median_update_ratio"] = ratio }
        if let nanStep { evidence["nonfinite_step"] = Double(nanStep) }
        var explanation = "The learning rate \(fmt(learningRate)) is too high: "
        if let nanStep {
            explanation += "the loss climbed and then became NaN/∞ at step \(nanStep)"
        } else if rose {
            explanation += "the loss rose from \(fmt(curve.initial)) to \(fmt(curve.peak)) instead of falling"
        } else {
            explanation += "the loss is stuck at \(fmt(curve.final))"
        }
        if ratio.isFinite && ratio > 0.01 { explanation += "; each step changes the weights by \(pct(ratio)) of their norm (healthy runs: about 0.1%)" }
        explanation += ". The optimizer overshoots the minimum it is heading for."
        let step = nanStep ?? (curve.finite.firstIndex { $0 > curve.initial * 1.5 }.map { $0 + 1 }) ?? 1
        return Finding(kind: .lrTooHigh, severity: nanStep != nil ? .error : .warning, confidence: nanStep != nil ? 0.9 : 0.8,
                       firstStep: step, layers: [], evidence: evidence, explanation: explanation,
                       fixes: [SuggestedFix("Lower the learning rate 10× (\(fmt(learningRate)) → \(fmt(learningRate / 10))).", action: .scaleLearningRate(0.1)),
                               SuggestedFix("Clip the gradient norm (train.grad_clip = 1).", action: .clipGradients(1)),
                               SuggestedFix("Warm the learning rate up (train.warmup).")])
    }

    /// Cockpit's step-size view in one number: updates that change the weights by far less than
    /// the ~1e-3 of their norm healthy runs take, with a loss that barely moved.
    func learningRateTooLow() -> Finding? {
        let ratio = medianUpdateRatio
        // A first loss far above chance means the starting point is broken, not the step size.
        let saneStart = chanceLoss.map { curve.initial < 3 * $0 } ?? true
        guard ratio.isFinite, ratio < 1e-4, curve.improvement < 0.5, curve.firstNonFiniteStep == nil, saneStart else { return nil }
        // The update ratio scales with the learning rate (for SGD exactly, for Adam nearly): aim
        // for the ~1e-3 of healthy runs, in whole powers of ten.
        let factor = Foundation.pow(10, min(4, max(1, (log10(1e-3 / ratio)).rounded())))
        return Finding(kind: .lrTooLow, severity: .warning, confidence: ratio < 1e-5 ? 0.9 : 0.75, firstStep: telemetry.sampledSteps.first,
                       evidence: ["lr": learningRate, "median_update_ratio": ratio, "loss_improvement": curve.improvement],
                       explanation: "The learning rate \(fmt(learningRate)) is too low: each step changes the weights by \(fmt(ratio)) of their norm (healthy runs: about 1e-3), and the loss fell only \(pct(curve.improvement)) in \(curve.finite.count) steps.",
                       fixes: [SuggestedFix("Raise the learning rate \(fmt(factor))× (\(fmt(learningRate)) → \(fmt(learningRate * factor))), toward an update ratio of 1e-3.", action: .scaleLearningRate(factor)),
                               SuggestedFix("Switch to Adam with lr 1e-3.", action: .switchOptimizer(.adam, lr: 1e-3))])
    }

    /// The loss fell, then keeps being thrown back up: many late batches land far above the
    /// typical late loss, and the late loss sits well above the best it reached.
    func lossOscillating() -> Finding? {
        guard curve.finite.count >= 40, curve.firstNonFiniteStep == nil else { return nil }
        guard curve.spikes >= 0.15, curve.lateOverBest >= 1.5 else { return nil }
        return Finding(kind: .lossOscillating, severity: .warning, confidence: min(1, 0.4 + curve.spikes * 2),
                       firstStep: curve.finite.count / 2,
                       evidence: ["spike_fraction": curve.spikes, "late_over_best_loss": curve.lateOverBest,
                                  "relative_step_change": curve.bounce, "best_loss": curve.best],
                       explanation: "The loss oscillates: it reached \(fmt(curve.best)) but in the second half \(pct(curve.spikes)) of the batches land at over 3× the typical loss, and the last quarter averages \(fmt(curve.lateOverBest))× the best. The steps are large enough to jump out of the minimum they found.",
                       fixes: [SuggestedFix("Lower the learning rate 3× (\(fmt(learningRate)) → \(fmt(learningRate / 3))).", action: .scaleLearningRate(1.0 / 3)),
                               SuggestedFix("Decay the learning rate (train.schedule = \"cosine\")."),
                               SuggestedFix("Use a larger batch (train.batch_size) for less noisy gradients.")])
    }

    /// The loss stays where it started though the weights do move.
    func lossNotDecreasing() -> Finding? {
        guard curve.finite.count >= 20, curve.firstNonFiniteStep == nil else { return nil }
        // Stuck: the loss barely moved, or it never got clearly below guessing.
        let noBetterThanChance = chanceLoss.map { curve.final > 0.9 * $0 } ?? false
        guard curve.improvement < 0.1 || noBetterThanChance else { return nil }
        var fixes: [SuggestedFix] = []
        var cause = ""
        var evidenceFromConfig: [String: Double] = [:]
        let decay = config?.train.weightDecay ?? 0
        let dropout = config?.model.layers.compactMap { if case let .dropout(rate) = $0 { rate } else { nil } }.max() ?? 0
        let zeroInit = config?.model.layers.contains { $0.initializer == .zeros } ?? false
        if zeroInit {
            cause = " Layers initialized to zeros are symmetric: every unit gets the same gradient (zero behind a ReLU), so the network cannot learn."
            fixes.append(SuggestedFix("Use the default initialization, scaled to each layer's fan-in (remove `init = \"zeros\"`).", action: .defaultInitialization))
        }
        if decay >= 0.1 {
            cause += " Weight decay \(fmt(decay)) pulls the weights to zero faster than the data can move them."
            evidenceFromConfig["weight_decay"] = decay
            fixes.append(SuggestedFix("Lower the weight decay (\(fmt(decay)) → 1e-4).", action: .weightDecay(1e-4)))
        }
        if dropout >= 0.8 {
            cause += " Dropout \(fmt(dropout)) leaves too little signal."
            evidenceFromConfig["dropout"] = dropout
            fixes.append(SuggestedFix("Lower the dropout rate to 0.2.", action: .dropout(0.2)))
        }
        if customInitialization && !zeroInit {
            fixes.append(SuggestedFix("Use the default initialization.", action: .defaultInitialization))
        }
        fixes.append(SuggestedFix("Switch to Adam with lr 1e-3.", action: .switchOptimizer(.adam, lr: 1e-3)))
        var evidence: [String: Double] = ["initial_loss": curve.initial, "final_loss": curve.final, "loss_improvement": curve.improvement]
        if let chance = chanceLoss { evidence["chance_loss"] = chance }
        evidence.merge(evidenceFromConfig) { a, _ in a }
        if medianUpdateRatio.isFinite { evidence["median_update_ratio"] = medianUpdateRatio }
        return Finding(kind: .lossNotDecreasing, severity: .warning, confidence: 0.8, firstStep: 1, evidence: evidence,
                       explanation: "The loss is not decreasing: \(fmt(curve.initial)) at the start, \(fmt(curve.final)) at the end\(chanceLoss.map { " (guessing uniformly gives \(fmt($0)))" } ?? "")." + cause,
                       fixes: fixes)
    }
}
