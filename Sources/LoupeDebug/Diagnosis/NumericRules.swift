import Foundation

extension Diagnosis {
    /// NaN or infinity in the loss, the gradients or the weights. `early` when it appeared in the
    /// first steps or in the data itself: then it is the root cause (bad data or initialization),
    /// not the end of a divergence.
    func nanInf() -> (finding: Finding, early: Bool)? {
        let event = telemetry.nonFinite
        let gradStep = parameterLayers.compactMap { layer -> Int? in
            guard let i = layer.gradNorm.firstIndex(where: { $0.isNaN }) else { return nil }
            return telemetry.sampledSteps[i]
        }.min()
        let inputsBad = telemetry.data.inputNonFinite > 0 || event?.phase == .data
        guard let step = [event?.step, curve.firstNonFiniteStep, gradStep].compactMap({ $0 }).min() ?? (inputsBad ? 1 : nil) else { return nil }
        var evidence: [String: Double] = ["first_step": Double(step)]
        if let loss = curve.firstNonFiniteStep { evidence["first_nonfinite_loss_step"] = Double(loss) }
        if telemetry.data.inputNonFinite > 0 { evidence["nonfinite_input_values"] = Double(telemetry.data.inputNonFinite) }
        // Step 1's forward and backward use the initial weights: NaN there (other than from the
        // first update) is the starting point's fault, not the learning rate's.
        let startedBroken = event?.phase == .initialization || (step <= 1 && event?.phase != .update) || !curve.initial.isFinite
        var explanation: String
        var fixes: [SuggestedFix]
        var layers: [String] = []
        if let path = event?.modulePath { layers.append(path) }
        if inputsBad {
            explanation = "The input data contains NaN or infinite values (\(telemetry.data.inputNonFinite) in the first batches), so every loss and gradient computed from them is NaN."
            fixes = [SuggestedFix("Drop or impute the examples with non-finite inputs before training."),
                     SuggestedFix("Check how the data source encodes missing values.")]
        } else {
            explanation = "The loss became NaN or infinite at step \(step)."
            if let e = event {
                let inputs = e.inputs.map { s in "max |x| \(fmt(max(abs(s.min ?? .nan), abs(s.max ?? .nan))))" }.joined(separator: ", ")
                explanation += " The first op to produce it was `\(e.op)` in \(e.modulePath.map { "`\($0)`" } ?? "the loss") during the \(e.phase.rawValue) pass (inputs: \(inputs))."
                if let big = e.inputs.compactMap({ $0.max.map { max(abs($0), abs($0)) } }).max() { evidence["op_input_max"] = big }
            }
            let firstWeight = parameterLayers.first?.weightNorm.first.map(Double.init)
            if startedBroken {
                if let w = firstWeight { evidence["first_layer_weight_norm"] = w }
                explanation += " It happened before training could have pushed the weights anywhere, so the starting point is at fault: the initialization (weights too large) or the scale of the data."
                fixes = customInitialization
                    ? [SuggestedFix("Use the default initialization, scaled to each layer's fan-in (remove the `init`/`bias_init` overrides).", action: .defaultInitialization),
                       SuggestedFix("Normalize the inputs (data.normalize = \"standard\").", action: .normalizeInputs)]
                    : [SuggestedFix("Normalize the inputs (data.normalize = \"standard\").", action: .normalizeInputs),
                       SuggestedFix("Clip the gradient norm (train.grad_clip = 1).", action: .clipGradients(1))]
            } else {
                fixes = [SuggestedFix("Lower the learning rate 10× (\(fmt(learningRate)) → \(fmt(learningRate / 10))).", action: .scaleLearningRate(0.1)),
                         SuggestedFix("Clip the gradient norm (train.grad_clip = 1).", action: .clipGradients(1))]
            }
        }
        let finding = Finding(kind: .nanInf, severity: .error, confidence: event != nil || inputsBad ? 0.97 : 0.85, firstStep: step,
                              layers: layers, evidence: evidence, explanation: explanation, fixes: fixes)
        return (finding, inputsBad || startedBroken)
    }

    /// AUTOTRAINER: the first layer's gradient norm over the last layer's exceeds 70. That ratio
    /// cancels out in a plain deep network whose weights are all too large (activations and
    /// gradients grow together), so a second rule catches that case: gradient norms above 100 in
    /// the first steps (healthy runs stay below ~10), with activations growing layer by layer.
    func explodingGradients() -> Finding? {
        let layers = parameterLayers
        guard layers.count >= 2, let first = layers.first, let last = layers.last else { return nil }
        let ratios = zip(first.gradNorm, last.gradNorm).map { Double($0) / max(Double($1), 1e-30) }.filter(\.isFinite)
        guard !ratios.isEmpty else { return nil }
        let fraction = Double(ratios.filter { $0 > 70 }.count) / Double(ratios.count)
        // At the first sampled step the weights are the initialization's: a norm above 100 there
        // is the starting point's doing. Later growth past 1000 (100× the start) is instability.
        let startNorms = layers.map { $0.gradNorm.first.map(Double.init) ?? 0 }
        let startMax = startNorms.max() ?? 0
        let laterMax = layers.flatMap { Series.finite($0.gradNorm) }.max() ?? 0
        let growth = activationGrowth
        let ratioRule = fraction >= 0.3
        let initRule = startMax.isFinite && startMax > 100
        let growthRule = laterMax > 1000 && laterMax > 100 * max(startMax, 1e-9)
        guard ratioRule || initRule || growthRule else { return nil }
        let firstIndex = ratioRule ? (ratios.firstIndex { $0 > 70 } ?? 0)
            : initRule ? 0 : (layers.compactMap { $0.gradNorm.firstIndex { $0 > 1000 } }.min() ?? 0)
        let ranked = layers.sorted { (Series.finite($0.gradNorm).max() ?? 0) > (Series.finite($1.gradNorm).max() ?? 0) }.map(\.path)
        var evidence: [String: Double] = ["median_first_last_grad_ratio": Series.median(ratios), "fraction_of_samples_over_70": fraction,
                                          "first_step_grad_norm": startMax, "max_grad_norm": laterMax]
        if let growth { evidence["activation_std_growth_per_layer"] = growth }
        var fixes: [SuggestedFix] = []
        if customInitialization { fixes.append(SuggestedFix("Use the default initialization, scaled to each layer's fan-in (remove the `init` overrides): weights that are too large multiply the signal and the gradient at every layer.", action: .defaultInitialization)) }
        fixes += [SuggestedFix("Clip the gradient norm (train.grad_clip = 1).", action: .clipGradients(1)),
                  SuggestedFix("Add BatchNorm after the hidden layers.", action: .addBatchNorm),
                  SuggestedFix("Lower the learning rate.", action: .scaleLearningRate(0.1))]
        let explanation: String
        if ratioRule {
            explanation = "The gradient norm grows from the output back to the input: the first layer's is \(fmt(Series.median(ratios)))× the last layer's (AUTOTRAINER flags > 70) on \(pct(fraction)) of the sampled steps, so the early layers take steps far larger than the late ones."
        } else if initRule {
            explanation = "The gradients explode from the first step: a layer's gradient norm is \(fmt(startMax)) before training has moved anything (healthy runs start below ~10)\(growth.map { ", and the activations' spread grows \(fmt($0))× at every layer" } ?? ""). Weights too large for their layer's width multiply the signal forward and the gradient backward."
        } else {
            explanation = "The gradients exploded during training: from \(fmt(startMax)) at the first step to \(fmt(laterMax)) at step \(telemetry.sampledSteps[firstIndex]). Each large step made the next gradient larger."
        }
        return Finding(kind: .explodingGradients, severity: .warning, confidence: ratioRule ? 0.6 + 0.4 * fraction : min(1, 0.5 + log10(max(startMax, laterMax)) / 8),
                       firstStep: telemetry.sampledSteps[firstIndex], layers: ranked, evidence: evidence,
                       explanation: explanation, fixes: fixes)
    }

    /// Geometric mean of how much the activations' standard deviation grows from one activation
    /// layer to the next, at the first sampled step (nil with fewer than three layers).
    var activationGrowth: Double? {
        let stds = activationLayers.compactMap { $0.std.first.map(Double.init) }.filter { $0.isFinite && $0 > 0 }
        guard stds.count >= 3 else { return nil }
        return Foundation.pow(stds.last! / stds.first!, 1 / Double(stds.count - 1))
    }

    /// AUTOTRAINER: first/last gradient-norm ratio < 1e-3 with the first layer's norm < 1e-4.
    func vanishingGradients() -> Finding? {
        let layers = parameterLayers
        guard layers.count >= 2, let first = layers.first, let last = layers.last else { return nil }
        let pairs = zip(first.gradNorm, last.gradNorm).map { (Double($0), Double($1)) }.filter { $0.0.isFinite && $0.1.isFinite }
        guard !pairs.isEmpty else { return nil }
        let hits = pairs.filter { $0.0 / max($0.1, 1e-30) < 1e-3 && $0.0 < 1e-4 }
        let fraction = Double(hits.count) / Double(pairs.count)
        guard fraction >= 0.5 else { return nil }
        let ratio = Series.median(pairs.map { $0.0 / max($0.1, 1e-30) })
        let hasSaturating = activationLayers.contains { ActivationRecorder.saturating.contains($0.op) }
        var fixes: [SuggestedFix] = []
        if hasSaturating { fixes.append(SuggestedFix("Use ReLU instead of sigmoid/tanh in the hidden layers (their derivative is at most 0.25/1 and shrinks the gradient at every layer).", action: .replaceActivation(from: [.sigmoid, .tanh], to: .relu))) }
        if customInitialization { fixes.append(SuggestedFix("Use the default initialization, scaled to each layer's fan-in (remove the `init` overrides).", action: .defaultInitialization)) }
        fixes += [SuggestedFix("Add BatchNorm after the hidden layers.", action: .addBatchNorm),
                  SuggestedFix("Switch to Adam, which rescales each parameter's step.", action: .switchOptimizer(.adam, lr: 1e-3))]
        return Finding(kind: .vanishingGradients, severity: .warning, confidence: 0.6 + 0.4 * fraction, firstStep: telemetry.sampledSteps.first,
                       layers: layers.prefix(max(1, layers.count / 2)).map(\.path),
                       evidence: ["median_first_last_grad_ratio": ratio, "median_first_layer_grad_norm": Series.median(first.gradNorm),
                                  "fraction_of_samples": fraction],
                       explanation: "The gradient reaching the first layer is \(fmt(ratio))× the last layer's (AUTOTRAINER flags < 1e-3 with a first-layer norm < 1e-4): the early layers barely learn.",
                       fixes: fixes)
    }
}
