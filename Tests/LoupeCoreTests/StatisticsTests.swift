import LoupeCore
import Testing

/// `statistics()` against a plain loop over the same values.
struct StatisticsTests {
    static func reference(_ values: [Float], threshold: Double) -> TensorStatistics {
        var s = TensorStatistics()
        for v in values.map(Double.init) {
            guard v.isFinite else { s.nonFinite += 1; continue }
            s.count += 1
            s.sum += v
            s.sumOfSquares += v * v
            s.min = min(s.min, v)
            s.max = max(s.max, v)
            if v == 0 { s.zeros += 1 }
            if abs(v) >= threshold { s.saturated += 1 }
        }
        return s
    }

    @Test(arguments: [1, 15, 16, 17, 100, 4096, 4097, 10_000])
    func matchesLoop(count: Int) throws {
        var rng = RandomGenerator(seed: UInt64(count))
        var values = try Tensor.normal([count], std: 4, using: &rng).floats()
        for i in stride(from: 0, to: count, by: 7) { values[i] = 0 }
        if count > 20 { values[3] = .nan; values[count - 2] = .infinity; values[count / 2] = -.infinity }
        let got = Tensor(values, shape: [count]).statistics(saturationThreshold: 5)
        let want = Self.reference(values, threshold: 5)
        #expect(got.count == want.count)
        #expect(got.nonFinite == want.nonFinite)
        #expect(got.zeros == want.zeros)
        #expect(got.saturated == want.saturated)
        #expect(got.min == want.min)
        #expect(got.max == want.max)
        #expect(abs(got.sum - want.sum) <= 1e-4 * max(1, want.sumOfSquares.squareRoot()))
        #expect(abs(got.sumOfSquares - want.sumOfSquares) <= 1e-5 * want.sumOfSquares + 1e-6)
    }

    @Test func stridedViewsAndOtherTypes() throws {
        let x = Tensor([1, -2, 0, 4, 5, -6], shape: [2, 3])
        let t = try x.transposed(0, 1)   // non-contiguous
        let s = t.statistics(saturationThreshold: 4)
        #expect(s.count == 6 && s.zeros == 1 && s.saturated == 3 && s.min == -6 && s.max == 5)
        #expect(abs(s.mean - 2.0 / 6) < 1e-9)
        let d = Tensor(float64: [1, .nan, 3], shape: [3]).statistics()
        #expect(d.count == 2 && d.nonFinite == 1 && d.sum == 4)
    }

    @Test func finiteCheck() throws {
        #expect(Tensor([Float](repeating: 1, count: 33), shape: [33]).isAllFinite)
        for position in [0, 15, 16, 32] {
            var v = [Float](repeating: 1, count: 33)
            v[position] = .nan
            #expect(!Tensor(v, shape: [33]).isAllFinite)
            v[position] = -.infinity
            #expect(!Tensor(v, shape: [33]).isAllFinite)
        }
        #expect(Tensor(indices: [1, 2]).isAllFinite)
    }
}

/// Values whose squares overflow Float still give the right norm (the monitor's gradient norms of
/// a blown-up run).
struct StatisticsOverflowTests {
    @Test func hugeValues() {
        let values: [Float] = Array(repeating: 1e30, count: 40)
        let s = Tensor(values, shape: [40]).statistics()
        #expect(s.nonFinite == 0 && s.norm.isFinite)
        #expect(abs(s.norm / (1e30 * 40.0.squareRoot()) - 1) < 1e-6)
        #expect(abs(s.sum / 4e31 - 1) < 1e-6)
    }
}
