import Foundation

/// Maps data values onto pixels along one axis, linearly or by log10, with "nice" ticks: 1, 2 or
/// 5 times a power of ten, and whole decades on a log axis.
///
/// Only usable values set the domain: finite ones, and on a log axis positive ones. A single
/// value, or a constant series, gets a domain around it, so it is drawn mid-axis rather than
/// dividing by a zero span.
///
/// ```swift
/// let y = AxisScale(covering: [0.3, 9.7], log: false)!   // ticks 0, 2, 4, 6, 8, 10
/// let py = y.position(5, from: 300, to: 20)               // 160: halfway up the plot
/// ```
public struct AxisScale: Sendable {
    /// The domain, in data units (both positive on a log axis).
    public private(set) var lower: Double
    public private(set) var upper: Double
    /// Whether the axis is log10.
    public let log: Bool
    /// Tick values, in data units, from `lower` up.
    public private(set) var ticks: [Double] = []

    /// A scale covering the usable `values`, widened to the outermost ticks when `nice`; nil
    /// when no value is usable.
    ///
    /// - Parameters:
    ///   - zeroBased: the domain reaches 0, and all-zero data gets 0...1 rather than a domain
    ///     centred on 0 (bars grow from zero). Ignored on a log axis.
    ///   - targetTicks: about how many ticks a linear axis gets.
    public init?(covering values: [Double], log: Bool, nice: Bool = true, zeroBased: Bool = false, targetTicks: Int = 5) {
        // Far beyond anything Float holds; keeps `upper - lower` finite, and on a log axis keeps
        // subnormals off the decade 10⁻³²⁴, which is 0 in a Double.
        let limit = 1e300
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite && (!log || v > 0) {
            let clamped = Swift.min(Swift.max(v, log ? 1 / limit : -limit), limit)
            lo = Swift.min(lo, clamped)
            hi = Swift.max(hi, clamped)
        }
        guard lo <= hi else { return nil }
        if zeroBased && !log {
            (lo, hi) = (Swift.min(lo, 0), Swift.max(hi, 0))
            if lo == hi { hi = 1 }
        }
        self.log = log
        (lower, upper) = (lo, hi)
        if log { makeLogTicks(widen: nice) } else { makeLinearTicks(targetTicks, widen: nice) }
    }

    /// Whether positive values span more than two decades, where a linear axis would flatten
    /// most of them against zero and a log axis shows them better.
    public static func spansDecades(_ values: [Double]) -> Bool {
        let positive = values.filter { $0.isFinite && $0 > 0 }
        guard let lo = positive.min(), let hi = positive.max() else { return false }
        return hi / lo > 100
    }

    /// The pixel for `value`, between `p0` (at `lower`) and `p1` (at `upper`); values outside the
    /// domain are clamped to its edge. Nil for values the axis cannot show (non-finite, or ≤ 0 on
    /// a log axis).
    public func position(_ value: Double, from p0: Double, to p1: Double) -> Double? {
        guard let t = fraction(value), t.isFinite else { return nil }
        return p0 + Swift.min(Swift.max(t, 0), 1) * (p1 - p0)
    }

    /// Where `value` lies in the domain (0 at `lower`, 1 at `upper`), unclamped; nil for values
    /// the axis cannot show.
    public func fraction(_ value: Double) -> Double? {
        guard value.isFinite, !log || value > 0 else { return nil }
        if log { return (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) }
        return (value - lower) / (upper - lower)
    }

    /// A tick's label: ``NumberText/readable(_:)``, and "1e-5" style for decades far from 1.
    public func label(_ tick: Double) -> String {
        if log {
            let exponent = log10(tick).rounded()
            if abs(exponent) > 3 { return "1e\(Int(exponent))" }
        }
        return NumberText.readable(tick)
    }

    /// Heckbert's nice numbers: a step of 1, 2 or 5 × 10^k giving about `target` ticks.
    private mutating func makeLinearTicks(_ target: Int, widen: Bool) {
        let constant = lower == upper ? lower : nil
        if let constant {
            // A tenth of the value, unless that is no normal number (0, or a subnormal such as
            // Double.leastNonzeroMagnitude, whose tenth rounds to 0 and leaves no span to tick).
            let tenth = abs(constant) * 0.1
            let pad = tenth.isNormal ? tenth : 1
            (lower, upper) = (constant - pad, constant + pad)
        }
        let step = Self.niceNumber(Self.niceNumber(upper - lower, round: false) / Double(Swift.max(target - 1, 1)),
                                   round: true)
        var first = (lower / step).rounded(.down) * step, last = (upper / step).rounded(.up) * step
        if let constant {
            // Out to the outer ticks, but evenly on both sides, so the value stays mid-axis.
            let half = Swift.max(constant - first, last - constant)
            (lower, upper) = (constant - half, constant + half)
            (first, last) = ((lower / step).rounded(.down) * step, (upper / step).rounded(.up) * step)
        } else if widen {
            (lower, upper) = (first, last)
        }
        // Bounded: a span at the edge of Double precision cannot yield thousands of ticks.
        let count = Swift.min(Swift.max(Int(((last - first) / step).rounded()), 0), 50)
        ticks = (0...count).compactMap { k in
            // Snap rounding noise (3 × 0.1) and -0 to clean values; a tick within a millionth of
            // a step of the domain's edge (a Float's 0.001 is 0.0010000000475) counts as on it.
            var tick = first + Double(k) * step
            tick = abs(tick) < step * 1e-9 ? 0 : (tick / step).rounded() * step
            return tick >= lower - step * 1e-6 && tick <= upper + step * 1e-6 ? tick : nil
        }
    }

    /// Ticks at whole decades, every decade up to six of them, every few decades beyond.
    private mutating func makeLogTicks(widen: Bool) {
        var widen = widen
        if lower == upper { (lower, upper, widen) = (lower / 10, upper * 10, false) }
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
