import LoupeStore
import Testing
@testable import LoupeDashboard

/// Curves are thinned to a chart's pixel columns without losing what a reader looks for: the
/// ends, each column's extremes (a spike), and the gaps where a value was not finite.
struct DownsamplerTests {
    static func curve(_ values: [Double]) -> [ScalarPoint] {
        values.enumerated().map { ScalarPoint(step: $0.offset + 1, value: $0.element, time: 0) }
    }

    @Test func keepsEndsExtremesAndGaps() {
        var values = (0..<10_000).map { 2.0 - Double($0) / 10_000 }
        values[5_000] = 9   // a spike
        values[7_000] = .nan
        let thinned = CurveDownsampler.downsample(Self.curve(values), buckets: 100)
        #expect(thinned.count <= 2 * 100 + 2 + 1)
        #expect(thinned.first?.step == 1 && thinned.last?.step == 10_000)
        #expect(thinned.contains { $0.value == 9 } && thinned.contains { $0.value.isNaN })
        #expect(zip(thinned, thinned.dropFirst()).allSatisfy { $0.step < $1.step })
    }

    @Test func shortCurvesAreUntouched() {
        let points = Self.curve([1, .nan, 3, .infinity])
        #expect(CurveDownsampler.downsample(points, buckets: 2).map(\.step) == [1, 2, 3, 4])
        #expect(CurveDownsampler.downsample([], buckets: 10).isEmpty)
        #expect(CurveDownsampler.downsample(Self.curve(Array(repeating: 1, count: 50)), buckets: 0).count == 50)
        // Steps at both ends of Int: their span is not computed in Int (which would trap).
        let extreme = [Int.min, -1, 0, 1, Int.max].map { ScalarPoint(step: $0, value: 1, time: 0) }
        #expect(CurveDownsampler.downsample(extreme, buckets: 1).map(\.step) == [Int.min, -1, Int.max])
    }
}
