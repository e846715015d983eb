import Foundation
import LoupeFineTune

extension Diagnosis {
    /// Whether the run fine-tunes an LLM's adapters (`[model] base`).
    var isLanguageModelFineTune: Bool { telemetry.fineTune != nil || config?.model.base != nil }

    /// Examples with nothing supervised: all of them (nothing was trained) or some (left out, and
    /// usually a sign that the data is not what the author thinks).
    func labelMaskEmpty() -> Finding? {
        guard let mask = telemetry.fineTune?.lossMask, mask.examplesWithoutTargets > 0 else { return nil }
        let all = mask.examplesWithoutTargets == mask.examples
        let share = Double(mask.examplesWithoutTargets) / Double(max(mask.examples, 1))
        guard all || share >= 0.05 else { return nil }
        let which = mask.emptyExamples.map(String.init).joined(separator: ", ")
        let unit = mask.format == .chat ? "conversation" : "example"
        var explanation = all
            ? "The loss mask is empty: none of the \(mask.examples) \(unit)s has a token to learn, so there is nothing to train on. "
            : "\(mask.examplesWithoutTargets) of the \(mask.examples) \(unit)s (\(pct(share))) have an empty loss mask and were left out of training. "
        explanation += mask.format == .chat
            ? "In chat data only the assistant's replies are learned; these conversations (\(which)\(mask.examplesWithoutTargets > mask.emptyExamples.count ? ", …" : "")) have no assistant message with content, so the model would be trained on nothing — with Hugging Face's trainer, a loss of 0 or NaN and no error."
            : "Every window is shorter than 2 tokens."
        return Finding(kind: .labelMaskEmpty, severity: all || share >= 0.25 ? .error : .warning, confidence: all ? 0.99 : 0.8, firstStep: all ? nil : 1,
                       evidence: ["examples": Double(mask.examples), "examples_without_targets": Double(mask.examplesWithoutTargets),
                                  "supervised_tokens": Double(mask.supervisedTokens), "tokens": Double(mask.tokens)],
                       explanation: explanation,
                       fixes: [SuggestedFix("Give every conversation the reply to learn: a {\"role\": \"assistant\", \"content\": \"…\"} message after the prompt (the lines without one are listed above)."),
                               SuggestedFix("If the data is prompts with their completions in another field, convert each line to {\"messages\": [user prompt, assistant completion]}.")])
    }

    /// Conversations read as plain text: every token, the prompts and the markup included, is a
    /// target, and the model learns to write the user's turns too.
    func templateMismatch() -> Finding? {
        guard let mask = telemetry.fineTune?.lossMask, mask.format == .text else { return nil }
        let lines = mask.chatMarkers.values.reduce(0, +)
        guard lines >= 3, let (marker, count) = mask.chatMarkers.max(by: { $0.value < $1.value }) else { return nil }
        let isJSONL = marker == "{\"messages\""
        var fixes: [SuggestedFix] = []
        if isJSONL, case let .textFile(path)? = config?.data.dataset {
            fixes.append(SuggestedFix("Read the file as conversations (data.dataset = \"chat:\(path)\"): the chat template renders them and only the replies are learned.",
                                      action: .readAsChat))
        }
        fixes.append(SuggestedFix("Convert the data to chat JSONL ({\"messages\": [{\"role\": \"user\", …}, {\"role\": \"assistant\", …}]}) and use data.dataset = \"chat:PATH\"."))
        let what = isJSONL ? "chat JSONL (`{\"messages\": …`) on \(count) lines"
            : "another chat format's markup (`\(marker)` on \(count) lines), not this model's template (`<|im_start|>role`)"
        return Finding(kind: .templateMismatch, severity: .error, confidence: isJSONL ? 0.95 : 0.85, firstStep: 1,
                       evidence: ["marked_lines": Double(lines), "supervised_fraction": mask.supervisedFraction],
                       explanation: "The data is read as plain text but holds conversations: \(what). As text, \(pct(mask.supervisedFraction)) of the tokens are targets — the prompts, the roles and the JSON or markup included — so the model learns to write the user's side and the markup, and its answers do not follow the chat template it is prompted with.",
                       fixes: fixes)
    }

    /// The forgetting probe (text the base model knows) degrades far more than the task improves.
    func catastrophicForgetting() -> Finding? {
        guard let probe = telemetry.fineTune?.probe, let first = probe.first, let last = probe.last, probe.count >= 2 else { return nil }
        // Probe loss increase and task loss decrease, both in nats per token.
        let forgotten = Foundation.log(last.perplexity / first.basePerplexity)
        let worst = probe.max { $0.perplexity < $1.perplexity }!
        let validation = [telemetry.fineTune?.initialValidationLoss].compactMap { $0 } + telemetry.epochs.compactMap { $0.validation?["loss"] }
        let task = validation.count >= 2 ? validation.first! - validation.min()! : max(curve.initial - curve.final, 0)
        guard forgotten.isFinite, forgotten >= 0.5, last.meanKL >= 0.3, forgotten >= 0.5 * task else { return nil }
        let firstStep = probe.first { Foundation.log($0.perplexity / first.basePerplexity) >= 0.25 }?.step ?? last.step
        var fixes = [SuggestedFix("Lower the learning rate 3× (\(fmt(learningRate)) → \(fmt(learningRate / 3))): the adapters move the model less far from the base.",
                                  action: .scaleLearningRate(1.0 / 3))]
        if let rank = config?.lora?.rank, rank > 1 {
            fixes.append(SuggestedFix("Halve the adapters' rank (lora.rank = \(rank / 2)): fewer directions to overwrite the base's knowledge with.",
                                      action: .loraRank(rank / 2)))
        }
        fixes.append(SuggestedFix("Train for fewer steps, or stop early on the held-out loss (train.early_stopping_patience).", action: .earlyStopping(patience: 2)))
        fixes.append(SuggestedFix("Mix some general text (the base's kind of data) into the training set, so the model keeps practising it."))
        return Finding(kind: .catastrophicForgetting, severity: forgotten >= 1 ? .error : .warning, confidence: min(1, 0.6 + forgotten / 4), firstStep: firstStep,
                       evidence: ["probe_perplexity_base": first.basePerplexity, "probe_perplexity": last.perplexity, "probe_peak_perplexity": worst.perplexity,
                                  "probe_kl": last.meanKL, "probe_loss_increase": forgotten, "task_loss_decrease": task],
                       explanation: "The fine-tune is making the model forget: on text the base model knows (\(telemetry.fineTune!.probe.count) readings of the built-in Shakespeare probe), its perplexity went from \(fmt(first.basePerplexity)) to \(fmt(last.perplexity)) (+\(fmt(forgotten)) nats per token) and its next-token distributions moved \(fmt(last.meanKL)) nats (KL from the base), while the task's held-out loss improved by \(fmt(task)) nats. The adapters are overwriting general knowledge rather than adding to it.",
                       fixes: fixes)
    }
}
