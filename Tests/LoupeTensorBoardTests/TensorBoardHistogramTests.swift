import LoupeCore
import Testing
@testable import LoupeTensorBoard

struct TensorBoardHistogramTests {
    @Test func equalWidthBucketsFromMinToMax() throws {
        let h = try TensorBoardHistogram(values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10], bucketCount: 5)
        #expect(h.min == 0 && h.max == 10 && h.count == 10 && h.sum == 46 && h.sumSquares == 304)
        #expect(h.bucketLimits == [2, 4, 6, 8, 10])
        // A value on an edge goes to the bucket it starts; the largest value to the last bucket.
        #expect(h.bucketCounts == [2, 2, 2, 2, 2])
    }

    @Test func everyValueLiesInsideItsBucket() throws {
        var rng = RandomGenerator(seed: 7)
        let values = (0..<5000).map { _ in Double(rng.nextFloat()) * 3 - 1 }
        let h = try TensorBoardHistogram(values: values)
        #expect(h.bucketLimits.count == 30 && h.bucketCounts.reduce(0, +) == 5000)
        #expect(h.bucketLimits.last == h.max)
        for (i, limit) in h.bucketLimits.enumerated() {
            let left = i == 0 ? h.min : h.bucketLimits[i - 1]
            let inside = values.filter { $0 >= left && (i == h.bucketLimits.count - 1 ? $0 <= limit : $0 < limit) }.count
            #expect(Double(inside) == h.bucketCounts[i], "bucket \(i)")
        }
    }

    @Test func oneValueMakesOneBucket() throws {
        let h = try TensorBoardHistogram(values: [0.5, 0.5, 0.5])
        #expect(h.bucketLimits == [0.5] && h.bucketCounts == [3] && h.min == 0.5 && h.max == 0.5)
    }

    @Test func extremeRangesStayFiniteAndIncreasing() throws {
        let wide = try TensorBoardHistogram(values: [-Double.greatestFiniteMagnitude, 0, .greatestFiniteMagnitude], bucketCount: 4)
        #expect(wide.bucketLimits.allSatisfy(\.isFinite) && wide.bucketCounts == [1, 0, 1, 1])
        #expect(wide.sumSquares == .infinity, "the statistics may overflow; the buckets do not")
        let one = 1.0
        let narrow = try TensorBoardHistogram(values: [one, one.nextUp, one.nextUp.nextUp], bucketCount: 30)
        #expect(narrow.bucketLimits == [one.nextUp, one.nextUp.nextUp] && narrow.bucketCounts == [1, 2])
    }

    @Test func aTensorsElementsInAnyDType() throws {
        let t = Tensor([1, 2, 3, 4], shape: [2, 2])
        #expect(try TensorBoardHistogram(values: t, bucketCount: 3) == TensorBoardHistogram(values: [1, 2, 3, 4], bucketCount: 3))
        #expect(try TensorBoardHistogram(values: Tensor(indices: [2, 2], shape: [2])).bucketCounts == [2])
    }

    @Test func refusesWhatCannotBeDrawn() {
        func reason(_ make: () throws(TensorBoardError) -> TensorBoardHistogram) -> String? {
            do { _ = try make(); return nil } catch {
                if case let .invalidHistogram(nil, reason) = error { return reason }
                return "\(error)"
            }
        }
        #expect(reason { () throws(TensorBoardError) in try TensorBoardHistogram(values: []) } == "no values")
        #expect(reason { () throws(TensorBoardError) in try TensorBoardHistogram(values: [1, .nan, .infinity, 2]) }
            == "2 of 4 values are not finite (NaN or ±∞)")
        #expect(reason { () throws(TensorBoardError) in try TensorBoardHistogram(values: [1], bucketCount: 0) }
            == "bucketCount is 0; it must be at least 1")
        func parts(_ limits: [Double], _ counts: [Double]) -> String? {
            reason { () throws(TensorBoardError) in
                try TensorBoardHistogram(min: 0, max: 1, count: 1, sum: 1, sumSquares: 1, bucketLimits: limits, bucketCounts: counts)
            }
        }
        #expect(parts([], []) == "no buckets")
        #expect(parts([1, 2], [1]) == "2 bucket limits but 1 bucket counts")
        #expect(parts([.nan], [1]) == "bucket limit 0 is NaN")
        #expect(parts([1, 1], [0, 1]) == "bucket limit 1 (1.0) is not greater than the one before (1.0)")
        #expect(parts([1, 2], [-1, 1]) == "bucket count 0 is -1.0; counts are finite and not negative")
        #expect(parts([1, 2], [.nan, 1]) == "bucket count 0 is nan; counts are finite and not negative")
        #expect(parts([-1, 1], [0, 1]) == nil)
    }
}
