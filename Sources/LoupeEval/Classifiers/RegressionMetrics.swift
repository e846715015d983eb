import Foundation

/// How close a regressor's predictions are to the targets, as scikit-learn's
/// `mean_absolute_error`, `mean_squared_error` (square-rooted) and `r2_score` compute them.
///
/// ```swift
/// let metrics = try RegressionMetrics(targets: [1, 2, 3], predictions: [1, 2, 4])
/// let mae = metrics.meanAbsoluteError   // 1/3
/// let r2 = metrics.r2                   // 0.5
/// ```
public struct RegressionMetrics: Sendable, Equatable {
    public let count: Int
    public let meanAbsoluteError: Double
    public let rootMeanSquaredError: Double
    /// 1 − SS_res / SS_tot; for constant targets 1 when every prediction is exact, else 0
    /// (scikit-learn's `force_finite`).
    public let r2: Double

    /// The figures by the names a ``Requirement`` gives them: `mae`, `rmse`, `r2`.
    public var figures: [String: Double] { ["mae": meanAbsoluteError, "rmse": rootMeanSquaredError, "r2": r2] }

    /// - Throws: ``EvalError`` for no examples, counts that differ, or a value that is not finite.
    public init(targets: [Double], predictions: [Double]) throws(EvalError) {
        guard !targets.isEmpty else { throw .empty(what: "targets") }
        guard predictions.count == targets.count else {
            throw .countMismatch(what: "predictions (one per target)", expected: targets.count, found: predictions.count)
        }
        for (name, values) in [("targets", targets), ("predictions", predictions)] {
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw .invalidValue(what: name, index: i, value: "\(values[i])", expected: "a finite number")
            }
        }
        count = targets.count
        let n = Double(count)
        let errors = zip(targets, predictions).map { $1 - $0 }
        meanAbsoluteError = errors.map(abs).reduce(0, +) / n
        let squared = errors.map { $0 * $0 }.reduce(0, +)
        rootMeanSquaredError = (squared / n).squareRoot()
        let mean = targets.reduce(0, +) / n
        let total = targets.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        r2 = total == 0 ? (squared == 0 ? 1 : 0) : 1 - squared / total
    }
}
