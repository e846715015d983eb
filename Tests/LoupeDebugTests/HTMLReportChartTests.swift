import Foundation
import Testing
@testable import LoupeDebug

/// The SVG charts the HTML report is made of, on inputs small enough to work out by hand.
@Suite struct HTMLReportChartTests {
    /// Points on a linear chart land where the axes say: the minimum at the plot's bottom-left,
    /// the maximum at its top-right, the midpoint in its centre.
    @Test func lineChartMapsKnownPoints() throws {
        let chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init("s", x: [0, 5, 10], y: [0, 5, 10])],
                                 width: 400, height: 300)
        let svg = chart.svg
        let area = try #require(SVGProbe.plotArea(svg))
        let points = SVGProbe.pathPoints(try #require(SVGProbe.attributes("d", in: svg).first))
        #expect(points.count == 1)
        let line = try #require(points.first)
        #expect(line.count == 3)
        #expect(SVGProbe.near(line[0], (area.left, area.bottom)))
        #expect(SVGProbe.near(line[1], ((area.left + area.right) / 2, (area.top + area.bottom) / 2)))
        #expect(SVGProbe.near(line[2], (area.right, area.top)))
        #expect(area.left > 0 && area.right <= 400 && area.top > 0 && area.bottom < 300)
    }

    @Test func logAxisPutsDecadesEvenlyAndSkipsNonPositive() throws {
        let chart = SVGLineChart(title: "t", xLabel: "x", yLabel: "y",
                                 series: [.init("s", x: [1, 2, 3, 4], y: [1, 10, 0, 100])], logY: true)
        let svg = chart.svg
        let area = try #require(SVGProbe.plotArea(svg))
        let segments = SVGProbe.pathPoints(try #require(SVGProbe.attributes("d", in: svg).first))
        // y = 0 cannot be shown on a log axis: it breaks the line, leaving 1→10 and a lone 100 (a dot).
        #expect(segments.count == 1)
        let line = try #require(segments.first)
        #expect(line.count == 2)
        #expect(SVGProbe.near(line[0].1, area.bottom))
        #expect(SVGProbe.near(line[1].1, (area.top + area.bottom) / 2))
        let dotY = SVGProbe.attributes("cy", in: svg).compactMap(Double.init)
        #expect(dotY.count == 1)
        #expect(SVGProbe.near(dotY.first ?? .nan, area.top))
        #expect(svg.contains(">100</text>"))
    }

    @Test func nonFiniteValuesBreakTheLine() {
        let svg = SVGLineChart(title: "t", xLabel: "x", yLabel: "y",
                               series: [.init("s", x: [1, 2, 3, 4, 5, 6], y: [1, 2, .nan, 3, .infinity, 4])]).svg
        let segments = SVGProbe.pathPoints(SVGProbe.attributes("d", in: svg).first ?? "")
        #expect(segments.map(\.count) == [2])
        // The lone points between the gaps are dots.
        #expect(SVGProbe.attributes("cx", in: svg).count == 2)
        #expect(SVGProbe.coordinateAttributes(svg).allSatisfy(SVGProbe.isFiniteNumberList))
    }

    /// A run that diverged records NaN losses to its end: the x axis stops at the last finite point.
    @Test func nonFiniteTailDoesNotStretchTheXAxis() throws {
        let svg = SVGLineChart(title: "t", xLabel: "x", yLabel: "y",
                               series: [.init("s", x: [0, 5, 10, 100], y: [3, 2, 1, .nan])]).svg
        let area = try #require(SVGProbe.plotArea(svg))
        let line = SVGProbe.pathPoints(SVGProbe.attributes("d", in: svg).first ?? "").first ?? []
        #expect(line.count == 3)
        #expect(SVGProbe.near(line.last?.0 ?? .nan, area.right))
    }

    @Test func singlePointAndConstantSeriesSitMidPlot() throws {
        let single = SVGLineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init("s", x: [3], y: [7])]).svg
        let area = try #require(SVGProbe.plotArea(single))
        let cx = try #require(SVGProbe.attributes("cx", in: single).first.flatMap(Double.init))
        let cy = try #require(SVGProbe.attributes("cy", in: single).first.flatMap(Double.init))
        #expect(SVGProbe.near((cx, cy), ((area.left + area.right) / 2, (area.top + area.bottom) / 2)))

        let constant = SVGLineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init("s", x: [1, 2, 3], y: [5, 5, 5])]).svg
        let line = SVGProbe.pathPoints(SVGProbe.attributes("d", in: constant).first ?? "").first ?? []
        let middle = (area.top + area.bottom) / 2
        #expect(line.count == 3)
        #expect(line.allSatisfy { SVGProbe.near($0.1, middle) })
    }

    @Test func emptyChartsArePlaceholders() {
        let charts = [
            SVGLineChart(title: "a", xLabel: "x", yLabel: "y", series: []).svg,
            SVGLineChart(title: "b", xLabel: "x", yLabel: "y", series: [.init("s", x: [1, 2], y: [.nan, .nan])]).svg,
            SVGHeatmap(title: "c", rowLabels: [], columns: [1, 2], values: [], valueLabel: "v").svg,
            SVGHistogram(title: "d", xLabel: "x", series: [.init("s", lower: 0, upper: 1, counts: [0, 0])]).svg,
        ]
        for svg in charts {
            #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"))
            #expect(svg.contains("class=\"placeholder\""))
            #expect(svg.contains(">no data</text>"))
        }
    }

    @Test func heatmapColoursByLog10AndGreysNaN() {
        let map = SVGHeatmap(title: "g", rowLabels: ["a&b"], columns: [1, 2, 3, 4], values: [[1, .nan, 100]], valueLabel: "v")
        let fills = SVGProbe.cellFills(map.svg)
        // 1 and 100 are the ends of the log range; the NaN and the missing fourth cell are grey.
        #expect(fills == [SVGHeatmap.viridis(0), SVGHeatmap.missingColor, SVGHeatmap.viridis(1), SVGHeatmap.missingColor])
        #expect(SVGHeatmap.viridis(0) == "#440154")
        #expect(SVGHeatmap.viridis(1) == "#fde725")
        #expect(map.svg.contains(">a&amp;b</text>"))
        #expect(map.svg.contains("<title>a&amp;b · step 2: v = NaN</title>"))
    }

    @Test func heatmapThinsManyColumnsKeepingTheEnds() {
        let map = SVGHeatmap(title: "g", rowLabels: ["a", "b"], columns: (1...500).map(Double.init),
                             values: [(1...500).map(Double.init), []], valueLabel: "v", maxColumns: 120)
        #expect(map.shownColumns().count == 120)
        #expect(map.shownColumns().first == 0)
        #expect(map.shownColumns().last == 499)
        #expect(SVGProbe.cellFills(map.svg).count == 240)
    }

    @Test func histogramBarsAreProportionalToFractions() throws {
        let svg = SVGHistogram(title: "h", xLabel: "x", series: [.init("s", lower: 0, upper: 2, counts: [1, 3])]).svg
        let bars = SVGProbe.attributes("height", in: SVGProbe.group("histogram", in: svg)).compactMap(Double.init)
        #expect(bars.count == 2)
        #expect(abs(bars[1] / bars[0] - 3) < 0.02)
    }

    @Test func axisTicksAreNice() throws {
        let linear = try #require(AxisScale(covering: [0.3, 9.7], log: false))
        #expect(linear.ticks == [0, 2, 4, 6, 8, 10])
        #expect(linear.lower == 0 && linear.upper == 10)
        let log = try #require(AxisScale(covering: [0.002, 30, -1, .nan], log: true))
        #expect(log.ticks.count == 6)
        #expect(abs(log.lower - 1e-3) < 1e-12 && abs(log.upper - 100) < 1e-9)
        #expect(log.label(1e-5) == "1e-5")
        #expect(AxisScale(covering: [.nan, .infinity], log: false) == nil)
        #expect(AxisScale(covering: [0, -2], log: true) == nil)
    }

    @Test func textIsEscapedAndNumbersCompact() {
        #expect(SVGChart.escape("<a & 'b' \"c\">\u{1}") == "&lt;a &amp; &#39;b&#39; &quot;c&quot;&gt;\u{FFFD}")
        #expect(SVGChart.number(0.000123456) == "0.0001235")
        #expect(SVGChart.number(1000) == "1000")
        #expect(SVGChart.number(123456789) == "1.235e+08")
        #expect(SVGChart.number(.nan) == "NaN")
        #expect(SVGChart.number(-.infinity) == "-∞")
        #expect(SVGChart.px(.nan) == "0")
        #expect(SVGChart.px(-3.04) == "-3")
        #expect(SVGChart.px(12.25) == "12.3")
    }
}

/// Reads SVG back as text, enough to check coordinates without an XML parser.
enum SVGProbe {
    /// The values of every attribute named `name`.
    static func attributes(_ name: String, in svg: String) -> [String] {
        let pattern = try! Regex("\\s\(name)=\"([^\"]*)\"")
        return svg.matches(of: pattern).compactMap { $0.output[1].substring.map(String.init) }
    }

    /// Every attribute that holds pixel coordinates.
    static func coordinateAttributes(_ html: String) -> [String] {
        ["x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "d", "viewBox", "transform"]
            .flatMap { attributes($0, in: html) }
    }

    /// Whether `value` is numbers separated by path commands, commas, spaces or `rotate( )`, all finite.
    static func isFiniteNumberList(_ value: String) -> Bool {
        let lowered = value.lowercased()
        if lowered.contains("nan") || lowered.contains("inf") { return false }
        let tokens = value.split { " ,()MLrotate".contains($0) }
        return tokens.allSatisfy { Double($0)?.isFinite == true }
    }

    /// The plot area's rectangle (`class="plot"`).
    static func plotArea(_ svg: String) -> (left: Double, top: Double, right: Double, bottom: Double)? {
        let pattern = try! Regex(#"class="plot" x="([-0-9.]+)" y="([-0-9.]+)" width="([-0-9.]+)" height="([-0-9.]+)""#)
        guard let match = svg.firstMatch(of: pattern) else { return nil }
        let v = (1...4).compactMap { match.output[$0].substring.flatMap { Double($0) } }
        guard v.count == 4 else { return nil }
        return (v[0], v[1], v[0] + v[2], v[1] + v[3])
    }

    /// A path's subpaths as point lists ("M1,2 L3,4M5,6 L7,8" → [[(1,2),(3,4)],[(5,6),(7,8)]]).
    static func pathPoints(_ d: String) -> [[(Double, Double)]] {
        d.split(separator: "M").map { subpath in
            subpath.split(separator: "L").compactMap { pair in
                let xy = pair.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                return xy.count == 2 ? (xy[0], xy[1]) : nil
            }
        }
    }

    /// The text of the first `<g class="…">` group (groups of cells and bars hold no nested group).
    static func group(_ name: String, in svg: String) -> String {
        guard let start = svg.range(of: "<g class=\"\(name)\""),
              let end = svg.range(of: "</g>", range: start.upperBound..<svg.endIndex) else { return "" }
        return String(svg[start.upperBound..<end.lowerBound])
    }

    /// The fill of every heatmap cell, row by row.
    static func cellFills(_ svg: String) -> [String] { attributes("fill", in: group("cells", in: svg)) }

    /// Within 0.2 px: coordinates are printed with one decimal, and the plot's right and bottom
    /// edges are sums of two rounded numbers.
    static func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 0.2 }

    static func near(_ a: (Double, Double), _ b: (Double, Double)) -> Bool { near(a.0, b.0) && near(a.1, b.1) }
}
