import Foundation
import LoupeCore
import LoupeReport

/// An ``Evaluation`` for the terminal: the headline figures with their intervals, the per-class
/// table, what it confuses, the cost and the verdict, PASS in green and FAIL in red.
public struct EvaluationText {
    public var evaluation: Evaluation
    public var style: TerminalStyle

    public init(_ evaluation: Evaluation, style: TerminalStyle) { (self.evaluation, self.style) = (evaluation, style) }

    public var text: String {
        let e = evaluation, f = e.figures
        var lines = [style.bold("Evaluation of \(e.model)") + style.dim(" — \(e.data), \(e.examples) \(e.task == .languageModel ? "tokens" : "examples")")]
        func interval(_ name: String) -> String {
            e.intervals[name].map { String(format: "  (95%% CI %.4f–%.4f)", $0.low, $0.high) } ?? ""
        }
        switch e.task {
        case .classification:
            lines.append(String(format: "accuracy  %.4f", f["accuracy"] ?? .nan) + interval("accuracy"))
            lines.append(String(format: "macro F1  %.4f", f["macro_f1"] ?? .nan) + interval("macro_f1"))
            lines.append(String(format: "log loss %.4f   Brier %.4f   ECE %.4f   MCE %.4f", f["log_loss"] ?? .nan, f["brier"] ?? .nan, f["ece"] ?? .nan, f["mce"] ?? .nan)
                         + (f["roc_auc_macro"].map { String(format: "   ROC-AUC %.4f", $0) } ?? ""))
            if let c = e.classifier {
                lines.append("")
                lines.append("class  precision  recall  f1      support")
                for (i, s) in c.perClass.enumerated() {
                    let name = String(repeating: " ", count: max(0, 5 - c.classNames[i].count)) + c.classNames[i]
                    lines.append(name + String(format: "  %9.4f  %6.4f  %6.4f  %7d", s.precision, s.recall, s.f1, s.support))
                }
                if !c.confusedPairs.isEmpty {
                    lines.append("")
                    lines.append("most confused: " + c.confusedPairs.prefix(3).map { "\(c.classNames[$0.trueClass]) → \(c.classNames[$0.predictedClass]) (\($0.count))" }.joined(separator: ", "))
                }
                if let suspects = c.suspectLabels { lines.append("the training debugger flagged \(suspects.count) training label(s) as suspect") }
                if let image = c.wrongExamplesImage { lines.append(style.dim("most confidently wrong, drawn: \(image)")) }
            }
        case .regression:
            lines.append(String(format: "MAE %.4f   RMSE %.4f   R² %.4f", f["mae"] ?? .nan, f["rmse"] ?? .nan, f["r2"] ?? .nan))
        case .languageModel:
            if let lm = e.languageModel {
                for p in [lm.perplexity, lm.slidingWindow].compactMap({ $0 }) {
                    let how = p.method == "chunks" ? "llama.cpp chunks of \(p.context)" : "sliding window \(p.context), stride \(p.stride ?? 0)"
                    lines.append(String(format: "perplexity %.4f ± %.4f   %.4f bits/byte   (%@; %d tokens scored)", p.perplexity, p.perplexityUncertainty,
                                        p.bitsPerByte, how, p.scoredTokens))
                }
                if let k = lm.klDivergence {
                    lines.append(String(format: "KL divergence from the base: mean %.6f ± %.6f, 99%% %.6f, max %.6f; same top token %.2f%%; RMS Δp %.3f%%",
                                        k.meanKLD, k.meanKLDUncertainty, k.kldPercentiles["99%"] ?? .nan, k.kldPercentiles["max"] ?? .nan,
                                        100 * k.sameTopToken, 100 * k.rmsDeltaP))
                }
                if let mc = lm.multipleChoice {
                    lines.append(String(format: "multiple choice%@: acc %.4f ± %.4f   acc_norm %.4f ± %.4f   (%d questions)",
                                        lm.multipleChoiceTask.map { " (\($0))" } ?? "", mc.accuracy, mc.accuracyStandardError,
                                        mc.normalizedAccuracy, mc.normalizedAccuracyStandardError, mc.items.count))
                }
                if let s = lm.speed {
                    lines.append(String(format: "speed: prompt %.1f tokens/s, generation %.1f tokens/s, time to first token %.1f ms; US$%.4f / M prompt tokens, US$%.4f / M generated",
                                        s.promptTokensPerSecond, s.generationTokensPerSecond, s.timeToFirstTokenMs,
                                        s.usdPerMillionPromptTokens, s.usdPerMillionGeneratedTokens))
                }
            }
        }
        if let c = e.cost {
            lines.append("")
            lines.append(String(format: "cost: %d parameters, %@ on disk, %@ FLOPs/example; latency p50 %.3f / p95 %.3f / p99 %.3f ms; %.0f examples/s at batch %d",
                                c.parameters, SizePolicy.readable(bytes: c.sizeOnDiskBytes), NumberText.readable(c.flopsPerExample),
                                c.latency.p50Ms, c.latency.p95Ms, c.latency.p99Ms, c.bestExamplesPerSecond, c.bestBatchSize))
            lines.append(String(format: "      US$%.4f per million predictions (US$%.3f/core-hour × %d)", c.usdPerMillion, c.pricing.usdPerCoreHour, c.threads)
                         + (c.trainingCPUSeconds.map { String(format: "; training %.1f CPU-s", $0) } ?? "")
                         + "; energy " + (c.joulesPerExample.map { String(format: "%.3g J/example", $0) } ?? "not measured"))
        }
        if let verdict = e.verdict {
            lines.append("")
            for line in verdict.lines {
                let mark = line.passed ? style.colored("PASS", .green) : style.colored("FAIL", .red)
                lines.append("\(mark)  \(line.requirement)   (actual \(String(format: "%.4g", line.actual)))")
            }
            lines.append(verdict.passed ? style.colored("PASS: every requirement holds", .green)
                         : style.colored("FAIL: \(verdict.lines.filter { !$0.passed }.count) requirement(s) not met", .red))
        }
        return lines.joined(separator: "\n")
    }
}
