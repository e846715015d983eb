import LoupeCore

/// A histogram as TensorBoard's `HistogramProto` holds it: summary statistics and buckets given by
/// their right edges.
///
/// Bucket `i` holds the values from `bucketLimits[i - 1]` up to `bucketLimits[i]`; the first bucket
/// starts at `min`. TensorBoard draws the buckets between `min` and `max` (its `data_compat` module
/// takes `min` as the first left edge and `max` as the last right edge).
///
/// Built from values, the histogram has `bucketCount` equal-width buckets from the smallest value to
/// the largest, as TensorFlow 2's `tf.summary.histogram` makes them (the last one includes the
/// largest value); when every value is the same there is one bucket. The values must be finite and
/// there must be at least one: NaN and ±∞ have no place on the axis, and an empty histogram has no
/// axis at all, so both throw ``TensorBoardError/invalidHistogram(tag:reason:)`` rather than
/// drawing something misleading (PyTorch's `add_histogram` refuses them too).
public struct TensorBoardHistogram: Equatable, Sendable {
    /// The smallest value.
    public let min: Double
    /// The largest value.
    public let max: Double
    /// How many values there are.
    public let count: Double
    /// The sum of the values.
    public let sum: Double
    /// The sum of the squared values.
    public let sumSquares: Double
    /// Each bucket's right edge, increasing.
    public let bucketLimits: [Double]
    /// How many values each bucket holds.
    public let bucketCounts: [Double]

    /// A histogram from its parts, for statistics computed elsewhere; throws unless there is at
    /// least one bucket, `bucketLimits` and `bucketCounts` have the same length, the limits
    /// increase and the counts are finite and not negative.
    public init(min: Double, max: Double, count: Double, sum: Double, sumSquares: Double,
                bucketLimits: [Double], bucketCounts: [Double]) throws(TensorBoardError) {
        func invalid(_ reason: String) -> TensorBoardError { .invalidHistogram(tag: nil, reason: reason) }
        guard !bucketLimits.isEmpty else { throw invalid("no buckets") }
        guard bucketLimits.count == bucketCounts.count else {
            throw invalid("\(bucketLimits.count) bucket limits but \(bucketCounts.count) bucket counts")
        }
        if let i = bucketLimits.firstIndex(where: \.isNaN) { throw invalid("bucket limit \(i) is NaN") }
        if let i = bucketLimits.indices.dropFirst().first(where: { bucketLimits[$0 - 1] >= bucketLimits[$0] }) {
            throw invalid("bucket limit \(i) (\(bucketLimits[i])) is not greater than the one before (\(bucketLimits[i - 1]))")
        }
        if let i = bucketCounts.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw invalid("bucket count \(i) is \(bucketCounts[i]); counts are finite and not negative")
        }
        self.min = min
        self.max = max
        self.count = count
        self.sum = sum
        self.sumSquares = sumSquares
        self.bucketLimits = bucketLimits
        self.bucketCounts = bucketCounts
    }

    /// The histogram of `values` in `bucketCount` equal-width buckets (at least 1).
    public init(values: [Double], bucketCount: Int = 30) throws(TensorBoardError) {
        guard bucketCount >= 1 else {
            throw TensorBoardError.invalidHistogram(tag: nil, reason: "bucketCount is \(bucketCount); it must be at least 1")
        }
        guard !values.isEmpty else { throw TensorBoardError.invalidHistogram(tag: nil, reason: "no values") }
        let nonFinite = values.count { !$0.isFinite }
        guard nonFinite == 0 else {
            throw TensorBoardError.invalidHistogram(
                tag: nil, reason: "\(nonFinite) of \(values.count) values are not finite (NaN or ±∞)")
        }
        var low = values[0], high = values[0], sum = 0.0, squares = 0.0
        for v in values {
            low = Swift.min(low, v)
            high = Swift.max(high, v)
            sum += v
            squares += v * v
        }
        let limits = Self.equalWidthLimits(from: low, to: high, count: bucketCount)
        var counts = [Double](repeating: 0, count: limits.count)
        for v in values { counts[Self.bucket(of: v, limits: limits)] += 1 }
        try self.init(min: low, max: high, count: Double(values.count), sum: sum, sumSquares: squares,
                      bucketLimits: limits, bucketCounts: counts)
    }

    /// The histogram of a tensor's elements (any shape, any dtype), in `bucketCount` equal-width
    /// buckets: a layer's weights or gradients.
    public init(values: Tensor, bucketCount: Int = 30) throws(TensorBoardError) {
        try self.init(values: values.doubles(), bucketCount: bucketCount)
    }

    /// The right edges of `count` equal-width buckets over [low, high], the last one exactly `high`.
    /// Interpolated rather than stepped, so edges stay finite even when high − low overflows. An
    /// inner edge that rounds onto its neighbour is dropped, so a range narrower than `count` steps
    /// between neighbouring doubles gets fewer buckets, and a single value one bucket.
    private static func equalWidthLimits(from low: Double, to high: Double, count: Int) -> [Double] {
        var limits: [Double] = []
        for i in 1..<count {
            let t = Double(i) / Double(count)
            let edge = low * (1 - t) + high * t
            if edge > (limits.last ?? low), edge < high { limits.append(edge) }
        }
        limits.append(high)
        return limits
    }

    /// The bucket holding `value`: the first whose right edge lies above it, or the last.
    private static func bucket(of value: Double, limits: [Double]) -> Int {
        var lo = 0, hi = limits.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if value < limits[mid] { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
