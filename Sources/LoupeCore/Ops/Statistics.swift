/// One pass of summary statistics over a tensor: what the training debugger records per layer.
///
/// Non-finite elements are counted in `nonFinite` and left out of every other field, so one NaN
/// does not hide the shape of the rest of the distribution.
public struct TensorStatistics: Sendable, Equatable {
    /// Finite elements.
    public var count = 0
    public var sum = 0.0
    public var sumOfSquares = 0.0
    public var min = Double.infinity
    public var max = -Double.infinity
    /// Elements exactly 0.
    public var zeros = 0
    /// NaN or ±infinity.
    public var nonFinite = 0
    /// Elements with |x| ≥ the threshold given to `statistics(saturationThreshold:)`.
    public var saturated = 0

    public init() {}

    public var mean: Double { count > 0 ? sum / Double(count) : .nan }
    /// Population standard deviation.
    public var standardDeviation: Double {
        guard count > 0 else { return .nan }
        let m = mean
        return (Swift.max(sumOfSquares / Double(count) - m * m, 0)).squareRoot()
    }
    /// ‖x‖₂ over the finite elements.
    public var norm: Double { sumOfSquares.squareRoot() }
    /// Largest |x| among the finite elements.
    public var maxMagnitude: Double { count > 0 ? Swift.max(abs(min), abs(max)) : .nan }
    /// All elements, finite or not.
    public var total: Int { count + nonFinite }

    /// Combines statistics of two disjoint sets of elements.
    public mutating func merge(_ other: TensorStatistics) {
        count += other.count
        sum += other.sum
        sumOfSquares += other.sumOfSquares
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        zeros += other.zeros
        nonFinite += other.nonFinite
        saturated += other.saturated
    }
}

extension Tensor {
    /// Count, sum, sum of squares, min, max, zeros, non-finite and |x| ≥ `saturationThreshold`
    /// counts in one SIMD pass (float32), without recording anything in the graph.
    public func statistics(saturationThreshold: Double = .infinity) -> TensorStatistics {
        let c = contiguousStorage()
        defer { withExtendedLifetime(c) {} }  // raw pointers below outlive its last use
        switch dtype {
        case .float32: return StatisticsKernel.float32(c.base(Float.self), count, threshold: Float(Swift.min(saturationThreshold, Double(Float.greatestFiniteMagnitude))))
        case .float64: return StatisticsKernel.scalar(UnsafeBufferPointer(start: c.base(Double.self), count: count), threshold: saturationThreshold)
        case .int64: return StatisticsKernel.scalar(UnsafeBufferPointer(start: c.base(Int.self), count: count).lazy.map(Double.init), threshold: saturationThreshold)
        }
    }

    /// Calls `body` with the float32 elements in row-major order, without copying when the tensor
    /// is already contiguous (for tools that scan activations, like the debugger's dead-unit count).
    public func withContiguousFloats<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        guard dtype == .float32 else {
            throw TensorError.dtypeMismatch(op: "withContiguousFloats", got: dtype, expected: "float32")
        }
        let c = contiguousStorage()
        return try withExtendedLifetime(c) { try body(UnsafeBufferPointer(start: c.base(Float.self), count: count)) }
    }

    /// Whether every element is finite (no NaN, no ±infinity): a fast SIMD check, the non-finite
    /// locator's per-op test.
    public var isAllFinite: Bool {
        guard dtype != .int64 else { return true }
        let c = contiguousStorage()
        defer { withExtendedLifetime(c) {} }
        switch dtype {
        case .float32: return StatisticsKernel.allFinite(c.base(Float.self), count)
        default: return UnsafeBufferPointer(start: c.base(Double.self), count: count).allSatisfy(\.isFinite)
        }
    }
}

enum StatisticsKernel {
    /// x·0 is 0 for finite x and NaN otherwise, so a sum of x·0 is NaN exactly when something is not
    /// finite: one multiply-add per element, no branches.
    static func allFinite(_ p: UnsafePointer<Float>, _ n: Int) -> Bool {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n { acc += load16(p + i) * 0; i += 16 }
        if i < n { acc += loadPartial(p + i, n - i) * 0 }
        return acc.sum() == 0
    }

    static func float32(_ p: UnsafePointer<Float>, _ n: Int, threshold: Float) -> TensorStatistics {
        var s = TensorStatistics()
        var start = 0
        while start < n {
            // Blocks of 4096 keep the float accumulators accurate; blocks are added in Double.
            let end = Swift.min(start + 4096, n)
            var sum = SIMD16<Float>(), squares = SIMD16<Float>(), zeros = SIMD16<Float>(), bad = SIMD16<Float>(), sat = SIMD16<Float>()
            var lo = SIMD16<Float>(repeating: .infinity), hi = SIMD16<Float>(repeating: -.infinity)
            let zero = SIMD16<Float>(), one = SIMD16<Float>(repeating: 1), limit = SIMD16<Float>(repeating: threshold)
            var i = start
            while i + 16 <= end {
                var x = load16(p + i)
                let finite = (x * 0) .== zero   // false for NaN and ±inf
                bad += one.replacing(with: 0, where: finite)
                x = x.replacing(with: 0, where: .!finite)
                sum += x
                squares += x * x
                zeros += zero.replacing(with: 1, where: x .== zero)
                sat += zero.replacing(with: 1, where: (x .>= limit) .| (x .<= -limit))
                lo = lo.replacing(with: x, where: finite .& (x .< lo))
                hi = hi.replacing(with: x, where: finite .& (x .> hi))
                i += 16
            }
            if i < end {
                let tail = scalar(UnsafeBufferPointer(start: p + i, count: end - i).lazy.map(Double.init), threshold: Double(threshold))
                s.merge(tail)
            }
            s.sum += Double(sum.sum())
            let blockSquares = Double(squares.sum())
            if blockSquares.isFinite && Double(sum.sum()).isFinite {
                s.sumOfSquares += blockSquares
            } else {
                // |x| above ~1e19 overflows a Float square (and huge sums overflow too): redo this
                // block in Double, where the same values are representable.
                var squares = 0.0, total = 0.0
                for j in start..<i where p[j].isFinite { let x = Double(p[j]); squares += x * x; total += x }
                s.sum += total - Double(sum.sum())
                s.sumOfSquares += squares
            }
            let badCount = Int(bad.sum())
            s.nonFinite += badCount
            s.count += (i - start) - badCount
            // Non-finite lanes were zeroed before counting zeros; take them back out.
            s.zeros += Int(zeros.sum()) - badCount
            s.saturated += Int(sat.sum())
            s.min = Swift.min(s.min, Double(lo.min()))
            s.max = Swift.max(s.max, Double(hi.max()))
            start = end
        }
        return s
    }

    static func scalar<C: Sequence>(_ values: C, threshold: Double) -> TensorStatistics where C.Element == Double {
        var s = TensorStatistics()
        for x in values {
            guard x.isFinite else { s.nonFinite += 1; continue }
            s.count += 1
            s.sum += x
            s.sumOfSquares += x * x
            s.min = Swift.min(s.min, x)
            s.max = Swift.max(s.max, x)
            if x == 0 { s.zeros += 1 }
            if abs(x) >= threshold { s.saturated += 1 }
        }
        return s
    }
}
