/// Ranking quality of scores for one class against the rest: the area under the ROC curve and
/// average precision, computed exactly as scikit-learn's `roc_auc_score` and
/// `average_precision_score` do, tied scores included (one threshold per distinct score).
enum BinaryRanking {
    /// ROC-AUC: the probability that a random positive scores above a random negative, a tie
    /// counting one half (the Mann–Whitney statistic, which the trapezoidal ROC area equals).
    /// Nil when all examples are positive or all negative.
    static func rocAUC(scores: [Double], positive: [Bool]) -> Double? {
        let positives = positive.lazy.filter { $0 }.count, negatives = positive.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        // Average ranks (1-based) over tied groups, summed over the positives.
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0, i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j where positive[order[k]] { rankSum += rank }
            i = j + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }

    /// Average precision: Σ (Rᵢ − Rᵢ₋₁) · Pᵢ over the distinct score thresholds, highest first,
    /// without interpolation. Nil when there is no positive (scikit-learn warns and gives 0 or
    /// nan there) or no negative (for symmetry with ``rocAUC(scores:positive:)``).
    static func averagePrecision(scores: [Double], positive: [Bool]) -> Double? {
        let positives = positive.lazy.filter { $0 }.count
        guard positives > 0, positives < positive.count else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0, seen = 0, previousRecall = 0.0, sum = 0.0, i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            for k in i...j where positive[order[k]] { truePositives += 1 }
            seen = j + 1
            let recall = Double(truePositives) / Double(positives)
            sum += (recall - previousRecall) * Double(truePositives) / Double(seen)
            previousRecall = recall
            i = j + 1
        }
        return sum
    }

    /// The ROC curve (false-positive rate, true-positive rate) and the precision–recall curve
    /// (recall, precision), one point per distinct score from the highest down, as scikit-learn's
    /// `roc_curve(drop_intermediate=False)` and `precision_recall_curve` trace them; thinned to at
    /// most `limit` points for drawing. Empty when all examples are positive or all negative.
    static func curves(scores: [Double], positive: [Bool], limit: Int = 200) -> (roc: [CurvePoint], precisionRecall: [CurvePoint]) {
        let positives = positive.lazy.filter { $0 }.count, negatives = positive.count - positives
        guard positives > 0, negatives > 0 else { return ([], []) }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var roc = [CurvePoint(x: 0, y: 0)], pr: [CurvePoint] = []
        var truePositives = 0, falsePositives = 0, i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            for k in i...j { if positive[order[k]] { truePositives += 1 } else { falsePositives += 1 } }
            roc.append(CurvePoint(x: Double(falsePositives) / Double(negatives), y: Double(truePositives) / Double(positives)))
            pr.append(CurvePoint(x: Double(truePositives) / Double(positives), y: Double(truePositives) / Double(j + 1)))
            i = j + 1
        }
        return (thin(roc, limit), thin(pr, limit))
    }

    /// Every `stride`-th point of a curve, its first and last kept.
    static func thin(_ points: [CurvePoint], _ limit: Int) -> [CurvePoint] {
        guard points.count > limit, limit >= 2 else { return points }
        let stride = Double(points.count - 1) / Double(limit - 1)
        return (0..<limit).map { points[Int((Double($0) * stride).rounded())] }
    }
}

/// A point of a curve (ROC, precision–recall).
public struct CurvePoint: Codable, Sendable, Equatable {
    public var x: Double, y: Double
    public init(x: Double, y: Double) { (self.x, self.y) = (x, y) }
}
