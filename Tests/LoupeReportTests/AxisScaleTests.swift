import LoupeReport
import Testing

/// Nice ticks on linear and log axes, and what the scale makes of data it cannot show.
struct AxisScaleTests {
    @Test func linearTicksAreNiceAndCoverTheData() throws {
        let scale = try #require(AxisScale(covering: [0.3, 9.7], log: false))
        #expect(scale.ticks == [0, 2, 4, 6, 8, 10])
        #expect(scale.lower == 0 && scale.upper == 10)
        let fifths = try #require(AxisScale(covering: [0.1, 0.7], log: false))
        // No rounding noise: 3 × 0.2 = 0.6000000000000001 is snapped to 0.6.
        #expect(fifths.ticks.map(fifths.label) == ["0", "0.2", "0.4", "0.6", "0.8"])
    }

    @Test func logTicksAreDecades() throws {
        let scale = try #require(AxisScale(covering: [0.002, 30, -1, .nan], log: true))
        #expect(scale.ticks.count == 6)
        #expect(abs(scale.lower - 1e-3) < 1e-12 && abs(scale.upper - 100) < 1e-9)
        #expect(scale.label(1e-5) == "1e-5" && scale.label(0.01) == "0.01")
        let wide = try #require(AxisScale(covering: [1e-30, 1e30], log: true))
        #expect(wide.ticks.count <= 7)
    }

    @Test func constantSeriesSitMidAxis() throws {
        // (A subnormal constant, whose tenth rounds to 0, gets ±1 around it instead of no span at all.)
        for (values, log) in [([5.0, 5, 5], false), ([0.0], false), ([3e-7], true), ([.leastNonzeroMagnitude], false)] {
            let scale = try #require(AxisScale(covering: values, log: log))
            let fraction = try #require(scale.fraction(values[0]))
            #expect(abs(fraction - 0.5) < 1e-9, "\(values)")
        }
        // A Float learning rate of 0.001 (0.0010000000474974513) still gets round ticks either side.
        let rate = try #require(AxisScale(covering: [Double(Float(0.001))], log: false))
        #expect(rate.ticks.map(rate.label) == ["0.0008", "0.0009", "0.001", "0.0011", "0.0012"])
        let bars = try #require(AxisScale(covering: [0, 0], log: false, zeroBased: true))
        #expect(bars.lower == 0 && bars.upper == 1)
    }

    @Test func unusableValuesAreNotShown() throws {
        #expect(AxisScale(covering: [.nan, .infinity, -.infinity], log: false) == nil)
        #expect(AxisScale(covering: [0, -2], log: true) == nil)
        #expect(AxisScale(covering: [], log: false) == nil)
        let scale = try #require(AxisScale(covering: [1, 10], log: true))
        #expect(scale.position(.nan, from: 0, to: 100) == nil)
        #expect(scale.position(0, from: 0, to: 100) == nil)
        #expect(scale.position(1e9, from: 0, to: 100) == 100)
    }

    @Test func hugeAndTinyValuesStayFinite() throws {
        let huge = try #require(AxisScale(covering: [-.greatestFiniteMagnitude, .greatestFiniteMagnitude], log: false))
        #expect(huge.lower.isFinite && huge.upper.isFinite && !huge.ticks.isEmpty && huge.ticks.count <= 51)
        #expect(huge.position(0, from: 0, to: 100)?.isFinite == true)
        let tiny = try #require(AxisScale(covering: [.leastNonzeroMagnitude, 1], log: true))
        #expect(tiny.lower > 0 && tiny.position(.leastNonzeroMagnitude, from: 0, to: 100)?.isFinite == true)
    }

    @Test func decadesDecideLogAxes() {
        #expect(AxisScale.spansDecades([0.5, 100]))
        #expect(!AxisScale.spansDecades([1, 50, 0, -3, .nan]))
        #expect(!AxisScale.spansDecades([]))
    }
}
