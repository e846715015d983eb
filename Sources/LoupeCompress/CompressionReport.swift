import Foundation
import LoupeEval
import LoupeReport

/// What `loupe compress` found: the original and every compressed variant, evaluated alike, with
/// the change against the original and the Pareto front of quality against cost.
public struct CompressionReport: Codable, Sendable {
    /// A finding of the debugger's monitor on a fine-tune.
    public struct FindingSummary: Codable, Sendable, Equatable {
        public var run: String
        public var kind: String
        public var severity: String
    }

    /// One evaluated model.
    public struct Result: Codable, Sendable {
        /// "original", or the variant as the plan gives it (`prune:0.5+int8`).
        public var label: String
        public var steps: [String]
        /// The run folder evaluated.
        public var folder: String
        public var runID: String?
        public var evaluationID: String?
        public var evaluation: Evaluation
        /// The share of exactly-zero weights in the weight matrices and kernels.
        public var sparsity: Double
        /// The debugger's findings on the variant's fine-tunes.
        public var findings: [FindingSummary]
        /// What structured pruning removed, per layer.
        public var notes: [String]

        /// Throughput at batch 64 (the best batch size's when 64 was not timed).
        public var throughputAt64: Double? {
            guard let cost = evaluation.cost else { return nil }
            return cost.throughput.first { $0.batchSize == 64 }?.examplesPerSecond ?? cost.bestExamplesPerSecond
        }
    }

    public var run: String
    public var folder: String
    public var data: String
    public var results: [Result]

    public var original: Result { results[0] }

    /// Quality against cost across the results (``EvaluationComparison``): its front and its
    /// recommendation. Cost is the price per million predictions when measured, else the size.
    public var comparison: EvaluationComparison {
        EvaluationComparison(results.map { EvaluationComparison.Entry(label: $0.label, id: $0.evaluationID, evaluation: $0.evaluation) })
    }

    /// The table's rows (header first): quality with its interval, size, speed and price, each
    /// with its change against the original, the sparsity, the findings, ★ on the Pareto front.
    public var rows: [[String]] {
        let front = Set(comparison.front)
        func figure(_ r: Result, _ key: String) -> Double? { r.evaluation.figures[key] }
        func ratio(_ a: Double?, _ b: Double?) -> String {
            guard let a, let b, a > 0, b > 0 else { return "" }
            return String(format: " (%.2f×)", a / b)
        }
        var rows = [["", "variant", "accuracy [95% CI]", "Δ acc", "macro F1", "size", "p50 ms", "per s @64", "$/M", "sparsity", "findings"]]
        for (i, r) in results.enumerated() {
            let acc = figure(r, "accuracy"), interval = r.evaluation.intervals["accuracy"]
            let accuracy = acc.map { a in String(format: "%.4f", a) + (interval.map { String(format: " [%.3f, %.3f]", $0.low, $0.high) } ?? "") } ?? "—"
            let delta = i == 0 ? "" : zip2(acc, figure(results[0], "accuracy")).map { String(format: "%+.2f pt", ($0 - $1) * 100) } ?? "—"
            let size = figure(r, "size_mb").map { String(format: "%.3f MB", $0) + (i == 0 ? "" : ratio(figure(results[0], "size_mb"), $0).replacingOccurrences(of: "×", with: "× smaller")) } ?? "—"
            let latency = figure(r, "p50_latency_ms").map { String(format: "%.3f", $0) } ?? "—"
            let throughput = r.throughputAt64.map { String(format: "%.0f", $0) + (i == 0 ? "" : ratio($0, original.throughputAt64)) } ?? "—"
            let price = figure(r, "usd_per_million").map { String(format: "%.3g", $0) } ?? "—"
            // Warnings and errors by kind; "healthy" when the monitor watched a fine-tune and found none.
            let problems = r.findings.filter { $0.severity != "info" }.map(\.kind)
            let findings = problems.isEmpty ? (r.findings.isEmpty ? "" : "healthy") : problems.joined(separator: ", ")
            rows.append([front.contains(i) ? "★" : "", r.label, accuracy, delta, figure(r, "macro_f1").map { String(format: "%.4f", $0) } ?? "—",
                         size, latency, throughput, price, String(format: "%.0f%%", r.sparsity * 100),
                         findings])
        }
        return rows
    }

    private func zip2(_ a: Double?, _ b: Double?) -> (Double, Double)? {
        guard let a, let b else { return nil }
        return (a, b)
    }
}
