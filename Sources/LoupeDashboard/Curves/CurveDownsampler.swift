import LoupeStore

/// Thins a curve to what a chart can show before it is drawn: the steps are cut into `buckets`
/// equal ranges (one per pixel column of the chart) and each range keeps its lowest and highest
/// point, in step order, so spikes survive; the first and last points are always kept, and a
/// bucket with NaN or ±∞ keeps its first such point, so the gap the chart draws there survives too.
/// A curve of no more than two points per bucket is returned as it is.
///
/// 10,000 steps into 700 buckets keep at most about 1,400 points: a run's page stays small
/// whatever its length.
enum CurveDownsampler {
    static func downsample(_ points: [ScalarPoint], buckets: Int) -> [ScalarPoint] {
        guard buckets > 0, points.count > 2 * buckets, let first = points.first, let last = points.last else { return points }
        // In Double: steps are whatever a run recorded, and their difference must not overflow.
        let span = Double(last.step) - Double(first.step)
        guard span > 0 else { return [first, last] }
        func bucket(_ point: ScalarPoint) -> Int { Int((Double(point.step) - Double(first.step)) / span * Double(buckets)) }
        var kept: [ScalarPoint] = [first]
        var index = 1
        while index < points.count - 1 {
            let current = bucket(points[index])
            var low: Int?, high: Int?, gap: Int?
            while index < points.count - 1, bucket(points[index]) == current {
                let value = points[index].value
                if !value.isFinite {
                    if gap == nil { gap = index }
                } else {
                    if low.map({ value < points[$0].value }) ?? true { low = index }
                    if high.map({ value > points[$0].value }) ?? true { high = index }
                }
                index += 1
            }
            for i in Set([low, high, gap].compactMap { $0 }).sorted() { kept.append(points[i]) }
        }
        kept.append(last)
        return kept
    }
}
