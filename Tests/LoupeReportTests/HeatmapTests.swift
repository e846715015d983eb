import LoupeReport
import LoupeTestSupport
import Testing

/// Heatmaps: colours by scale, grey for what has no value, columns thinned or labelled.
struct HeatmapTests {
    @Test func coloursByLog10AndGreysNaN() {
        let map = Heatmap(title: "g", rowLabels: ["a&b"], columns: .numeric([1, 2, 3, 4]), values: [[1, .nan, 100]], valueLabel: "v")
        // 1 and 100 are the ends of the log range; the NaN and the missing fourth cell are grey.
        #expect(SVGProbe.cellFills(map.svg) == [ColorRamp.viridis.color(at: 0), Palette.missing,
                                                ColorRamp.viridis.color(at: 1), Palette.missing])
        #expect(ColorRamp.viridis.color(at: 0) == "#440154" && ColorRamp.viridis.color(at: 1) == "#fde725")
        #expect(map.svg.contains(">a&amp;b</text>"))
        #expect(map.svg.contains("<title>a&amp;b · step 2: v = NaN</title>"))
        #expect(map.svg.contains(">n/a</text>"))
    }

    /// A reversed linear scale puts the low values at the ramp's dark end (focused attention).
    @Test func reversedScaleAndCustomTooltips() {
        let map = Heatmap(title: "h", rowLabels: ["L0"], columns: .categories(["0", "1"]), values: [[0, 2]],
                          tooltips: [["first", "second"]], colorScale: .linear(lower: 2, upper: 0), ramp: .blues,
                          valueLabel: "entropy")
        #expect(SVGProbe.cellFills(map.svg) == [ColorRamp.blues.color(at: 1), ColorRamp.blues.color(at: 0)])
        #expect(map.svg.contains("<title>first</title>") && map.svg.contains("<title>second</title>"))
        #expect(!map.svg.contains(">n/a</text>"))
    }

    @Test func thinsManyColumnsKeepingTheEnds() {
        let map = Heatmap(title: "g", rowLabels: ["a", "b"], columns: .numeric((1...500).map(Double.init)),
                          values: [(1...500).map(Double.init), []], valueLabel: "v", maxColumns: 120)
        let fills = SVGProbe.cellFills(map.svg)
        #expect(fills.count == 240)
        #expect(map.svg.contains("step 1: v = 1</title>") && map.svg.contains("step 500: v = 500</title>"))
    }

    /// Without `maxColumns` every column is drawn, at least 3 px wide, and the chart grows past
    /// `width`; labels wider than a cell turn and thin out.
    @Test func narrowCellsGrowTheChartAndTurnTheirLabels() throws {
        let labels = (0..<400).map { "token\($0)" }
        let map = Heatmap(title: "g", rowLabels: ["L0"], columns: .categories(labels), values: [labels.indices.map(Double.init)],
                          colorScale: .linear(lower: 0, upper: 399), valueLabel: "v", width: 700)
        let svg = map.svg
        #expect(SVGProbe.cellFills(svg).count == 400)
        let width = try #require(SVGProbe.attributes("width", in: svg).first.flatMap(Double.init))
        #expect(width >= 400 * 3)
        #expect(svg.contains("rotate(-60"))
        #expect(svg.components(separatedBy: ">token").count - 1 < 400)
    }
}
