import LoupeTestSupport
import Testing
@testable import LoupeEval

struct BootstrapTests {
    @Test func example() throws {
        // example: Bootstrap
        let correct = [true, true, false, true]
        let interval = Bootstrap.interval(count: correct.count, seed: 7) { sample in
            Double(sample.filter { correct[$0] }.count) / Double(sample.count)
        }
        // interval.low ≤ 0.75 ≤ interval.high
        // end example
        #expect(interval.low <= 0.75 && 0.75 <= interval.high && interval.level == 0.95)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeEval/Bootstrap.swift", markedAs: "Bootstrap", in: #filePath) == nil)
    }

    @Test("seeded: the same seed, the same interval; an accuracy's interval narrows like 1/√N")
    func seededAndNarrowing() {
        func accuracyInterval(_ n: Int, seed: UInt64) -> Bootstrap.Interval {
            let correct = (0..<n).map { $0 % 10 < 8 }   // 80% right
            return Bootstrap.interval(count: n, seed: seed) { s in Double(s.filter { correct[$0] }.count) / Double(s.count) }
        }
        #expect(accuracyInterval(200, seed: 1) == accuracyInterval(200, seed: 1))
        // Another seed moves the ends a little, not much (the interval is a property of the data).
        let other = accuracyInterval(200, seed: 2), first = accuracyInterval(200, seed: 1)
        #expect(abs(other.low - first.low) < 0.02 && abs(other.high - first.high) < 0.02)
        let small = accuracyInterval(100, seed: 3), large = accuracyInterval(1600, seed: 3)
        // The normal approximation: ±1.96·√(0.8·0.2/N) = ±0.078 at 100, ±0.020 at 1,600.
        #expect(abs((small.high - small.low) - 0.157) < 0.04, "\(small)")
        #expect(abs((large.high - large.low) - 0.039) < 0.01, "\(large)")
        #expect(small.low < 0.8 && 0.8 < small.high)
    }

    @Test func percentileInterpolatesAsNumpy() {
        // numpy.percentile([1, 2, 3, 4], [2.5, 97.5]) = [1.075, 3.925]
        #expect(abs(Bootstrap.percentile([1, 2, 3, 4], 0.025) - 1.075) < 1e-12)
        #expect(abs(Bootstrap.percentile([1, 2, 3, 4], 0.975) - 3.925) < 1e-12)
        #expect(Bootstrap.interval(count: 0, seed: 1) { _ in 0 }.low.isNaN)
    }
}
