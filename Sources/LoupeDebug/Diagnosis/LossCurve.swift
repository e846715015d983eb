import Foundation

/// The shape of a loss curve in a few numbers: where it started, where it ended, how much it
/// fell, whether it rose, how much it bounced, and when it stopped being finite.
struct LossCurve {
    let losses: [Float]
    /// First step (1-based) whose loss is NaN or infinite.
    let firstNonFiniteStep: Int?
    /// Finite prefix (the curve before it broke).
    let finite: [Double]
    /// The first loss: the model as initialized, before any step moved it.
    let initial: Double
    /// Mean over the last 10% (≥ 5 steps) of the finite prefix.
    let final: Double
    /// Lowest value of the moving average.
    let best: Double
    /// Highest mean of three consecutive losses (a blow-up in the first steps counts).
    let peak: Double
    /// Mean |loss[t] - loss[t-1]| over the second half, relative to its mean loss: batch-to-batch bounce.
    let bounce: Double
    /// Fraction of the second half's step-to-step changes that reverse the previous change's sign.
    let reversals: Double
    /// Fraction of the second half's losses above 3× its median (+0.05): batches the model is
    /// kicked out of its minimum on.
    let spikes: Double
    /// Mean of the last quarter over the best moving average: > 1 when the loss came back up.
    let lateOverBest: Double
    /// Means of the five consecutive fifths of the finite prefix (empty under 20 steps): the
    /// curve's shape — a healthy run drops most in the first fifth, a too-slow one as much in the last.
    let fifths: [Double]
    /// (initial - final) / initial.
    var improvement: Double { initial > 0 ? (initial - final) / initial : 0 }

    init(_ losses: [Float]) {
        self.losses = losses
        let bad = losses.firstIndex { !$0.isFinite }
        firstNonFiniteStep = bad.map { $0 + 1 }
        finite = losses[..<(bad ?? losses.count)].map(Double.init)
        let n = finite.count
        guard n > 0 else {
            (initial, final, best, peak, bounce, reversals, spikes, lateOverBest) = (.nan, .nan, .nan, .nan, 0, 0, 0, 1)
            fifths = []
            return
        }
        initial = finite[0]
        final = Self.mean(finite.suffix(max(5, n / 10)))
        let window = max(3, min(50, n / 20))
        let smooth = Self.movingAverage(finite, window: window)
        best = smooth.min() ?? initial
        peak = Self.movingAverage(finite, window: min(3, n)).max() ?? initial
        let half = Array(finite.suffix(max(2, n / 2)))
        let diffs = zip(half.dropFirst(), half).map { $0 - $1 }
        let level = Self.mean(half)
        bounce = level > 0 && !diffs.isEmpty ? Self.mean(diffs.map(abs)) / level : 0
        let signs = diffs.filter { $0 != 0 }.map { $0 > 0 }
        let flips = zip(signs.dropFirst(), signs).filter { $0 != $1 }.count
        reversals = signs.count > 1 ? Double(flips) / Double(signs.count - 1) : 0
        let median = Series.median(half)
        spikes = Double(half.filter { $0 > 3 * median + 0.05 }.count) / Double(half.count)
        lateOverBest = best > 0 ? Self.mean(finite.suffix(max(1, n / 4))) / best : 1
        let values = finite
        fifths = n >= 20 ? (0..<5).map { Self.mean(values[(n * $0 / 5)..<(n * ($0 + 1) / 5)]) } : []
    }

    /// The first step (1-based) from which the moving average stays at or below `level`, or nil.
    func firstStepAtOrBelow(_ level: Double) -> Int? {
        let window = max(3, min(50, finite.count / 20))
        let smooth = Self.movingAverage(finite, window: window)
        return smooth.firstIndex { $0 <= level }.map { $0 + window }
    }

    static func mean<C: Collection>(_ x: C) -> Double where C.Element == Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    static func movingAverage(_ x: [Double], window: Int) -> [Double] {
        guard x.count >= window, window > 0 else { return x.isEmpty ? [] : [mean(x)] }
        var out: [Double] = []
        out.reserveCapacity(x.count - window + 1)
        var sum = x[..<window].reduce(0, +)
        out.append(sum / Double(window))
        for i in window..<x.count {
            sum += x[i] - x[i - window]
            out.append(sum / Double(window))
        }
        return out
    }
}

/// Robust summaries of a recorded series.
enum Series {
    static func finite(_ x: [Float]) -> [Double] { x.filter(\.isFinite).map(Double.init) }

    static func median(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    static func median(_ x: [Float]) -> Double { median(finite(x)) }

    /// The second half of a series (where a run has settled).
    static func lateHalf(_ x: [Float]) -> [Float] { Array(x.suffix(max(1, (x.count + 1) / 2))) }
}
