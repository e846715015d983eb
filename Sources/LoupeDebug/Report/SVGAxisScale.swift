import Foundation

/// Maps data values onto pixels along one axis, linearly or by log10, with "nice" ticks
/// (1, 2 or 5 times a power of ten; whole decades on a log axis).
struct AxisScale {
    /// The domain, in data units (both positive on a log axis).
    private(set) var lower: Double
    private(set) var upper: Double
    let log: Bool
    private(set) var ticks: [Double] = []

    /// A scale covering the usable `values` (finite ones; on a log axis, positive ones too),
    /// widened to the outermost ticks when `nice`. Nil when no value is usable.
    ///
    /// A single value, or a constant series, gets a domain around it so it is drawn mid-axis
    /// rather than dividing by a zero span.
    init?(covering values: [Double], log: Bool, nice: Bool = true, targetTicks: Int = 5) {
        // Far beyond anything Float holds; keeps `upper - lower` finite.
        let limit = 1e300
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite && (!log || v > 0) {
            let clamped = Swift.min(Swift.max(v, -limit), limit)
            lo = Swift.min(lo, clamped)
            hi = Swift.max(hi, clamped)
        }
        guard lo <= hi else { return nil }
        self.log = log
        (lower, upper) = (lo, hi)
        if log { makeLogTicks(widen: nice) } else { makeLinearTicks(targetTicks, widen: nice) }
    }

    /// The pixel for `value`, between `p0` (at `lower`) and `p1` (at `upper`); values outside the
    /// domain are clamped to its edge. Nil for values the axis cannot show (non-finite, or ≤ 0 on
    /// a log axis).
    func position(_ value: Double, from p0: Double, to p1: Double) -> Double? {
        guard let t = fraction(value) else { return nil }
        return p0 + Swift.min(Swift.max(t, 0), 1) * (p1 - p0)
    }

    /// Where `value` lies in the domain (0 at `lower`, 1 at `upper`), unclamped.
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite, !log || value > 0 else { return nil }
        if log { return (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) }
        return (value - lower) / (upper - lower)
    }

    /// A tick's label: compact, and "1e-5" style for decades far from 1.
    func label(_ tick: Double) -> String {
        if log {
            let exponent = log10(tick).rounded()
            if abs(exponent) > 3 { return "1e\(Int(exponent))" }
        }
        return SVGChart.number(tick)
    }

    /// Heckbert's nice numbers: a step of 1, 2 or 5 × 10^k giving about `target` ticks.
    private mutating func makeLinearTicks(_ target: Int, widen: Bool) {
        if lower == upper {
            let pad = lower == 0 ? 1 : abs(lower) * 0.1
            (lower, upper) = (lower - pad, upper + pad)
        }
        let step = Self.niceNumber(Self.niceNumber(upper - lower, round: false) / Double(Swift.max(target - 1, 1)),
                                   round: true)
        let first = (lower / step).rounded(.down) * step, last = (upper / step).rounded(.up) * step
        if widen { (lower, upper) = (first, last) }
        // Bounded: a span at the edge of Double precision cannot yield thousands of ticks.
        let count = Swift.min(Swift.max(Int(((last - first) / step).rounded()), 0), 50)
        ticks = (0...count).compactMap { k in
            // Snap rounding noise (3 × 0.1) and -0 to clean values.
            var tick = first + Double(k) * step
            tick = abs(tick) < step * 1e-9 ? 0 : (tick / step).rounded() * step
            return tick >= lower - step * 1e-9 && tick <= upper + step * 1e-9 ? tick : nil
        }
    }

    /// Ticks at whole decades, every decade up to six of them, every few decades beyond.
    private mutating func makeLogTicks(widen: Bool) {
        if lower == upper { (lower, upper) = (lower / 10.0.squareRoot(), upper * 10.0.squareRoot()) }
        var a = log10(lower).rounded(.down), b = log10(upper).rounded(.up)
        if a == b { a -= 1; b += 1 }
        let stride = Swift.max(1, ((b - a) / 6).rounded(.up))
        b = a + ((b - a) / stride).rounded(.up) * stride
        if widen { (lower, upper) = (pow(10, a), pow(10, b)) }
        ticks = Swift.stride(from: a, through: b, by: stride).map { pow(10, $0) }
            .filter { $0 >= lower * (1 - 1e-9) && $0 <= upper * (1 + 1e-9) }
    }

    private static func niceNumber(_ x: Double, round: Bool) -> Double {
        let exponent = log10(x).rounded(.down)
        let f = x / pow(10, exponent)
        let nice: Double = round ? (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) : (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10)
        return nice * pow(10, exponent)
    }
}
