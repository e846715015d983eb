import Foundation
import LoupeReport

/// Which of several evaluated models is the best buy: quality against cost, the Pareto front
/// (the models no other beats on both), and a recommendation in words (`loupe compare`, the
/// dashboard's compare page).
public struct EvaluationComparison: Sendable {
    /// One evaluated model.
    public struct Entry: Sendable {
        public var label: String
        /// The evaluation run's id in the store, when it has one.
        public var id: String?
        public var evaluation: Evaluation

        public init(label: String, id: String? = nil, evaluation: Evaluation) { (self.label, self.id, self.evaluation) = (label, id, evaluation) }
    }

    public var entries: [Entry]
    /// The quality figure (`macro_f1`, `accuracy`, `r2`, `perplexity`, …) and the cost figure
    /// (`usd_per_million`, `p95_latency_ms`, `size_mb`, …) compared.
    public var quality: String
    public var cost: String
    /// How far below the best quality still counts as "as good", in the figure's own units.
    public var tolerance: Double

    /// Chooses the figures when not given: the headline quality figure the entries share, and
    /// the price per million predictions (or tokens).
    public init(_ entries: [Entry], quality: String? = nil, cost: String? = nil, tolerance: Double = 0.005) {
        self.entries = entries
        let shared = entries.dropFirst().reduce(Set(entries.first.map { Array($0.evaluation.figures.keys) } ?? [])) { $0.intersection($1.evaluation.figures.keys) }
        self.quality = quality ?? ["macro_f1", "accuracy", "r2", "perplexity", "acc_norm"].first { shared.contains($0) } ?? "accuracy"
        self.cost = cost ?? ["usd_per_million", "usd_per_million_generated_tokens", "p95_latency_ms", "size_mb"].first { shared.contains($0) } ?? "size_mb"
        self.tolerance = tolerance
    }

    /// Figures where lower is better.
    static let lowerIsBetter: Set<String> = ["log_loss", "brier", "ece", "mce", "mae", "rmse", "perplexity", "sliding_perplexity", "bits_per_byte", "mean_kld"]

    public var qualityIsHigherBetter: Bool { !Self.lowerIsBetter.contains(quality) }

    /// The entries that have both figures, as (index, quality, cost).
    var points: [(index: Int, quality: Double, cost: Double)] {
        entries.enumerated().compactMap { i, e in
            guard let q = e.evaluation.figures[quality], let c = e.evaluation.figures[cost], q.isFinite, c.isFinite else { return nil }
            return (i, q, c)
        }
    }

    /// Quality oriented so that higher is better.
    private func better(_ q: Double) -> Double { qualityIsHigherBetter ? q : -q }

    /// Indices of the entries on the Pareto front, cheapest first: no other entry is at least as
    /// good and at most as costly, and strictly better in one.
    public var front: [Int] {
        let p = points
        return p.filter { a in
            !p.contains { b in
                b.index != a.index && better(b.quality) >= better(a.quality) && b.cost <= a.cost
                    && (better(b.quality) > better(a.quality) || b.cost < a.cost)
            }
        }.sorted { $0.cost < $1.cost }.map(\.index)
    }

    /// The cheapest entry whose quality is within ``tolerance`` of the best, said in words.
    public var recommendation: String {
        let p = points
        guard let best = p.max(by: { better($0.quality) < better($1.quality) }) else {
            return "No model has both \(quality) and \(cost); evaluate them with loupe eval first."
        }
        let candidates = p.filter { better(best.quality) - better($0.quality) <= tolerance + 1e-12 }
        let cheapest = candidates.min { $0.cost < $1.cost }!
        let bestName = entries[best.index].label, cheapName = entries[cheapest.index].label
        let within = "within \(NumberText.readable(tolerance)) of the best \(quality) (\(bestName), \(NumberText.readable(best.quality)))"
        if cheapest.index == best.index {
            return "\(bestName) is the best on \(quality) (\(NumberText.readable(best.quality))), and no model within "
                + "\(NumberText.readable(tolerance)) of it is cheaper on \(cost) (\(NumberText.readable(best.cost)))."
        }
        let ratio = cheapest.cost > 0 ? best.cost / cheapest.cost : .infinity
        return "The cheapest model \(within) is \(cheapName) (\(quality) \(NumberText.readable(cheapest.quality))), "
            + (ratio.isFinite ? String(format: "%.1f× cheaper", ratio) : "far cheaper") + " on \(cost) (\(NumberText.readable(cheapest.cost)) vs \(NumberText.readable(best.cost)))."
    }

    /// Quality against cost, one coloured dot per model, the front drawn through; a log cost
    /// axis when the costs span more than a factor of 100.
    public var paretoChart: LineChart {
        let p = points
        var series: [LineChart.Series] = p.map { point in
            .init(entries[point.index].label, x: [point.cost], y: [point.quality], color: Palette.series(point.index), showsPoints: true)
        }
        let frontPoints = front.compactMap { i in p.first { $0.index == i } }
        series.append(.init("Pareto front", x: frontPoints.map(\.cost), y: frontPoints.map(\.quality), color: Palette.neutral, dashed: true))
        let costs = p.map(\.cost)
        return LineChart(title: "\(quality) against \(cost) (Pareto front dashed)", xTitle: cost, yTitle: quality, series: series,
                         xAxis: costs.allSatisfy { $0 > 0 } && AxisScale.spansDecades(costs) ? .log10 : .numeric, height: 340)
    }
}
