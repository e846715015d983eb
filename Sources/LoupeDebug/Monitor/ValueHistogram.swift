/// The one histogram the debugger takes, of activation outputs, a layer's weights and its
/// gradients: `bins` equal-width buckets over the finite values.
///
/// The buckets span `lower…upper`, the smallest and the largest finite value. With
/// `width = (upper − lower) / bins` (in Double), bucket `i` holds the values from
/// `lower + i·width` up to, not including, `lower + (i+1)·width`; the last one also holds
/// `upper`. These are the edges `loupe runs export --tensorboard` writes, and each value is placed
/// by comparing it with them, so the counts agree with the edges even for a value on an edge. When
/// every finite value is the same, `upper` equals `lower` and they all sit in the first bucket
/// (the export writes such a histogram as one bucket at that value, as TensorBoard itself does).
///
/// NaN and ±∞ have no place on the axis: they are left out of the buckets and the sums and counted
/// in `nonFinite`, so `counts` sums to the number of finite values.
struct ValueHistogram: Equatable {
    var lower: Float
    var upper: Float
    var counts: [Int]
    /// Values left out: NaN, +∞ or −∞.
    var nonFinite: Int
    /// Sum and sum of squares of the finite values, added in order in Double.
    var sum: Double
    var sumOfSquares: Double

    /// Nil when `bins` < 1 or no value is finite.
    init?(_ values: [Float], bins: Int) {
        guard bins > 0 else { return nil }
        var lo = Float.infinity, hi = -Float.infinity, nonFinite = 0, sum = 0.0, squares = 0.0
        for v in values {
            guard v.isFinite else { nonFinite += 1; continue }
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
            squares += Double(v) * Double(v)
        }
        guard lo <= hi else { return nil }
        // In Double: hi - lo can overflow Float when the values have blown up.
        let low = Double(lo)
        let width = hi > lo ? (Double(hi) - low) / Double(bins) : 1
        var counts = [Int](repeating: 0, count: bins)
        for v in values where v.isFinite && hi > lo {
            let x = Double(v)
            var i = Swift.min(bins - 1, Int((x - low) / width))
            // The division may round a value on an edge into the neighbouring bucket.
            if i > 0, x < low + Double(i) * width {
                i -= 1
            } else if i < bins - 1, x >= low + Double(i + 1) * width {
                i += 1
            }
            counts[i] += 1
        }
        if hi == lo { counts[0] = values.count - nonFinite }
        self.lower = lo
        self.upper = hi
        self.counts = counts
        self.nonFinite = nonFinite
        self.sum = sum
        self.sumOfSquares = squares
    }
}

extension ParameterHistogram {
    init(path: String, kind: Kind, step: Int, _ h: ValueHistogram) {
        self.init(path: path, kind: kind, step: step, lower: h.lower, upper: h.upper, counts: h.counts, nonFinite: h.nonFinite,
                  sum: h.sum, sumOfSquares: h.sumOfSquares)
    }
}
