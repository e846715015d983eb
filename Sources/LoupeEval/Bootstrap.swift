import LoupeCore

/// A 95% confidence interval for a figure computed over examples, by the percentile bootstrap:
/// the figure recomputed on `resamples` samples of the examples drawn with replacement (seeded,
/// so the same seed gives the same interval), its 2.5th and 97.5th percentiles taken.
///
/// ```swift
/// let correct = [true, true, false, true]
/// let interval = Bootstrap.interval(count: correct.count, seed: 7) { sample in
///     Double(sample.filter { correct[$0] }.count) / Double(sample.count)
/// }
/// // interval.low ≤ 0.75 ≤ interval.high
/// ```
public enum Bootstrap {
    /// A confidence interval.
    public struct Interval: Sendable, Equatable {
        public let low: Double, high: Double
        /// The confidence level (0.95).
        public let level: Double
    }

    /// - Parameters:
    ///   - count: how many examples there are (the statistic gets their indices).
    ///   - resamples: how many bootstrap samples (1,000 by default).
    ///   - statistic: the figure on a sample, given as example indices (repeats included).
    public static func interval(count: Int, resamples: Int = 1000, level: Double = 0.95, seed: UInt64,
                                statistic: ([Int]) -> Double) -> Interval {
        guard count > 0, resamples > 0 else { return Interval(low: .nan, high: .nan, level: level) }
        var rng = RandomGenerator(seed: seed)
        var values: [Double] = []
        values.reserveCapacity(resamples)
        var sample = [Int](repeating: 0, count: count)
        for _ in 0..<resamples {
            for i in 0..<count { sample[i] = rng.nextInt(below: count) }
            values.append(statistic(sample))
        }
        values.sort()
        let tail = (1 - level) / 2
        return Interval(low: percentile(values, tail), high: percentile(values, 1 - tail), level: level)
    }

    /// The `q` quantile of sorted `values`, linearly interpolated (numpy's default).
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        let position = q * Double(values.count - 1)
        let lower = Int(position), upper = min(lower + 1, values.count - 1)
        return values[lower] + (values[upper] - values[lower]) * (position - Double(lower))
    }
}
