import Foundation

extension Diagnosis {
    /// A softmax whose output went into cross-entropy, which applies log-softmax itself.
    func doubleSoftmax() -> Finding? {
        guard telemetry.model.softmaxIntoLoss else { return nil }
        let path = telemetry.model.softmaxPath
        return Finding(kind: .doubleSoftmax, severity: .error, confidence: 0.99, firstStep: 1, layers: path.map { [$0] } ?? [],
                       evidence: ["final_loss": curve.final, "chance_loss": chanceLoss ?? .nan].filter { $0.value.isFinite },
                       explanation: "The model ends in a softmax\(path.map { " (`\($0)`)" } ?? "") and the loss is cross-entropy from logits, which applies log-softmax again. The probabilities in [0, 1] become logits, so the predictions can never be confident, the loss cannot go below log(1 + (C−1)/e) and the gradients are squashed.",
                       fixes: [SuggestedFix("Remove the output softmax (activation = \"softmax\" on the last layer): cross-entropy takes raw logits.", action: .removeOutputSoftmax)])
    }

    /// Inputs far from zero mean and unit scale.
    func unnormalizedInputs() -> Finding? {
        let d = telemetry.data
        guard let mean = d.inputMean, let std = d.inputStd, let maxAbs = d.inputMaxMagnitude, d.inputNonFinite == 0 else { return nil }
        let tooLarge = std > 5 || maxAbs > 100 || abs(mean) > 3
        let tooSmall = std < 1e-2 && maxAbs < 0.1 && maxAbs > 0
        guard tooLarge || tooSmall else { return nil }
        let confidence = tooLarge ? min(1, 0.6 + log10(max(std, abs(mean), maxAbs / 20, 1)) / 4) : 0.7
        return Finding(kind: .unnormalizedInputs, severity: .warning, confidence: confidence, firstStep: 1,
                       evidence: ["input_mean": mean, "input_std": std, "input_max_abs": maxAbs],
                       explanation: "The inputs are not normalized: mean \(fmt(mean)), standard deviation \(fmt(std)), largest |x| \(fmt(maxAbs)) (expected mean ≈ 0, std ≈ 1). The first layer's pre-activations scale with them, which saturates activations, inflates the first layer's gradients and makes the learning rate wrong for that layer.",
                       fixes: [SuggestedFix("Standardize the inputs (data.normalize = \"standard\", data.input_scale = 1).", action: .normalizeInputs),
                               SuggestedFix("Add BatchNorm after the first layer.", action: .addBatchNorm)])
    }

    /// Batches each hold one or a few classes: the data is ordered, not shuffled.
    func unshuffledData() -> Finding? {
        let d = telemetry.data
        guard let batchEntropy = d.meanBatchLabelEntropy, let entropy = d.labelEntropy, entropy > 0.3, (d.classes ?? 0) >= 2 else { return nil }
        let ratio = batchEntropy / entropy
        let repeated = d.repeatedMajorityFraction ?? 0
        guard ratio < 0.5 || repeated > 0.8 else { return nil }
        return Finding(kind: .unshuffledData, severity: .warning, confidence: min(1, 0.6 + (0.5 - min(ratio, 0.5)) + repeated / 4), firstStep: 1,
                       evidence: ["batch_label_entropy": batchEntropy, "label_entropy": entropy, "entropy_ratio": ratio,
                                  "repeated_majority_fraction": repeated],
                       explanation: "The training data is not shuffled: a batch's labels have \(fmt(batchEntropy)) nats of entropy against \(fmt(entropy)) for the whole set, and \(pct(repeated)) of consecutive batches share their majority class. The model chases one class after another and forgets the previous ones; the loss curve is a sawtooth.",
                       fixes: [SuggestedFix("Shuffle the training data every epoch (data.shuffle = true).", action: .shuffle)])
    }

    /// The model does better on held-out data than on its own training labels, or confidently
    /// disagrees with many of them: some training labels are wrong.
    func labelNoise() -> Finding? {
        var gaps: [(step: Int, gap: Double, val: Double, train: Double)] = []
        for e in telemetry.epochs {
            guard let val = e.validation?["accuracy"], let train = e.trainSample?["accuracy"] else { continue }
            gaps.append((e.step, val - train, val, train))
        }
        let audit = telemetry.labelAudit
        let classes = Double(telemetry.data.classes ?? 10)
        let bestGap = gaps.max { $0.gap < $1.gap }
        let gapSignal = (bestGap?.gap ?? 0) >= 0.08 && (bestGap?.val ?? 0) > 2 / classes
        let auditSignal = audit.map { $0.confidentDisagreement >= 0.15 && $0.validationAccuracy > 0.5 } ?? false
        guard gapSignal || auditSignal else { return nil }
        var evidence: [String: Double] = [:]
        if let g = bestGap {
            evidence["validation_accuracy"] = g.val
            evidence["train_accuracy_on_given_labels"] = g.train
            evidence["estimated_noise_fraction"] = max(0, 1 - g.train / max(g.val, 1e-9))
        }
        if let audit {
            evidence["confident_disagreement"] = audit.confidentDisagreement
            evidence["suspect_examples"] = Double(audit.suspectIndices.count)
        }
        let noise = evidence["estimated_noise_fraction"] ?? audit?.confidentDisagreement ?? 0
        return Finding(kind: .labelNoise, severity: .warning, confidence: gapSignal && auditSignal ? 0.9 : 0.75, firstStep: bestGap?.step,
                       evidence: evidence,
                       explanation: "About \(pct(noise)) of the training labels look wrong: the model is \(pct(bestGap?.val ?? .nan)) accurate on the validation set but only \(pct(bestGap?.train ?? .nan)) on its own training labels\(audit.map { ", and it confidently disagrees with \(pct($0.confidentDisagreement)) of them" } ?? ""). Fitting those labels teaches the model noise.",
                       fixes: [SuggestedFix("Drop the training examples whose label the model confidently rejects (\(audit?.suspectIndices.count ?? 0) listed in the run's suspect_labels.json) and retrain.", action: .dropSuspectLabels),
                               SuggestedFix("Use label smoothing (train.label_smoothing = 0.1).", action: .labelSmoothing(0.1)),
                               SuggestedFix("Stop early, before the model memorizes the wrong labels.", action: .earlyStopping(patience: 3))])
    }

    /// Validation loss turned up while the training loss kept falling.
    func overfitting() -> Finding? {
        let points = telemetry.epochs.compactMap { e -> (step: Int, val: Double, train: Double, trainAcc: Double?, valAcc: Double?)? in
            guard let v = e.validation?["loss"], v.isFinite else { return nil }
            return (e.step, v, e.trainSample?["loss"] ?? e.trainLoss, e.trainSample?["accuracy"], e.validation?["accuracy"])
        }
        guard points.count >= 4, let bestIndex = points.indices.min(by: { points[$0].val < points[$1].val }),
              bestIndex < points.count - 1 else { return nil }
        let best = points[bestIndex], last = points[points.count - 1]
        let rise = (last.val - best.val) / max(best.val, 1e-9)
        let gap = last.val - last.train
        // Either the validation loss turned clearly up, or it turned up a little while the model
        // memorized the training set (≥ 98% on it, ≥ 10 points above validation).
        let accuracyGap = (last.trainAcc ?? 0) - (last.valAcc ?? 1)
        let memorized = rise > 0.05 && (last.trainAcc ?? 0) >= 0.98 && accuracyGap >= 0.1
        guard rise > 0.15 || memorized, last.train < best.train, gap > 0.1 * max(last.val, 1e-9) else { return nil }
        var evidence: [String: Double] = ["best_validation_loss": best.val, "final_validation_loss": last.val,
                                          "final_train_loss": last.train, "validation_loss_rise": rise, "best_step": Double(best.step)]
        if let t = last.trainAcc, let v = last.valAcc { evidence["accuracy_gap"] = t - v }
        // Early stopping already ends the run near the best point (best.safetensors keeps it).
        let caught = telemetry.stopReason?.hasPrefix("early stopping") == true
        return Finding(kind: .overfitting, severity: caught ? .info : .warning, confidence: min(1, 0.5 + rise), firstStep: best.step,
                       evidence: evidence,
                       explanation: "The model is overfitting: validation loss was lowest (\(fmt(best.val))) at step \(best.step) and has since risen \(pct(rise)) to \(fmt(last.val)) while the training loss kept falling to \(fmt(last.train)). It is memorizing the training set."
                           + (caught ? " Early stopping ended the run; checkpoints/best.safetensors holds the best weights." : ""),
                       fixes: [SuggestedFix("Stop early (train.early_stopping_patience = 3) and keep the best checkpoint.", action: .earlyStopping(patience: 3)),
                               SuggestedFix("Add weight decay (train.weight_decay = 1e-3 with AdamW).", action: .weightDecay(1e-3)),
                               SuggestedFix("Add dropout before the output layer.", action: .dropout(0.3)),
                               SuggestedFix("Get more data or augment it.")])
    }
}
