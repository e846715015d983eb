import LoupeReport
import LoupeTestSupport
import Testing

/// Line charts on inputs small enough to work out by hand.
struct LineChartTests {
    /// Points on a linear chart land where the axes say: the minimum at the plot's bottom-left,
    /// the maximum at its top-right, the midpoint in its centre.
    @Test func mapsKnownPoints() throws {
        let chart = LineChart(title: "t", xTitle: "x", yTitle: "y", series: [.init("s", x: [0, 5, 10], y: [0, 5, 10])],
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
        let chart = LineChart(title: "t", xTitle: "x", yTitle: "y", series: [.init("s", x: [1, 2, 3, 4], y: [1, 10, 0, 100])], logY: true)
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
        #expect(svg.contains(">y (log)</text>"))
    }

    @Test func nonFiniteValuesBreakTheLine() {
        let svg = LineChart(title: "t", xTitle: "x", yTitle: "y",
                            series: [.init("s", x: [1, 2, 3, 4, 5, 6], y: [1, 2, .nan, 3, .infinity, 4])]).svg
        let segments = SVGProbe.pathPoints(SVGProbe.attributes("d", in: svg).first ?? "")
        #expect(segments.map(\.count) == [2])
        // The lone points between the gaps are dots, with their values on hover.
        #expect(SVGProbe.attributes("cx", in: svg).count == 2)
        #expect(svg.contains("<title>x 4 · s 3</title>"))
        #expect(SVGProbe.coordinateAttributes(svg).allSatisfy(SVGProbe.isFiniteNumberList))
    }

    /// A run that diverged records NaN losses to its end: the x axis stops at the last finite point.
    @Test func nonFiniteTailDoesNotStretchTheXAxis() throws {
        let svg = LineChart(title: "t", xTitle: "x", yTitle: "y", series: [.init("s", x: [0, 5, 10, 100], y: [3, 2, 1, .nan])]).svg
        let area = try #require(SVGProbe.plotArea(svg))
        let line = SVGProbe.pathPoints(SVGProbe.attributes("d", in: svg).first ?? "").first ?? []
        #expect(line.count == 3)
        #expect(SVGProbe.near(line.last?.0 ?? .nan, area.right))
    }

    @Test func singlePointAndConstantSeriesSitMidPlot() throws {
        let single = LineChart(title: "t", xTitle: "x", yTitle: "y", series: [.init("s", x: [3], y: [7])]).svg
        let area = try #require(SVGProbe.plotArea(single))
        let cx = try #require(SVGProbe.attributes("cx", in: single).first.flatMap(Double.init))
        let cy = try #require(SVGProbe.attributes("cy", in: single).first.flatMap(Double.init))
        #expect(SVGProbe.near((cx, cy), ((area.left + area.right) / 2, (area.top + area.bottom) / 2)))

        let constant = LineChart(title: "t", xTitle: "x", yTitle: "y", series: [.init("s", x: [1, 2, 3], y: [5, 5, 5])]).svg
        let line = SVGProbe.pathPoints(SVGProbe.attributes("d", in: constant).first ?? "").first ?? []
        let middle = (area.top + area.bottom) / 2
        #expect(line.count == 3)
        #expect(line.allSatisfy { SVGProbe.near($0.1, middle) })
    }

    /// Categories (layers) run edge to edge, each labelled, each point with its hover text.
    @Test func categoriesAreLabelledEdgeToEdge() throws {
        let chart = LineChart(title: "norms", xTitle: "layer", yTitle: "norm", series: [.init("residual", values: [1, 2, 3])],
                              xAxis: .categories(["L0", "L1", "L2"]), showsTitle: false)
        let svg = chart.svg
        let area = try #require(SVGProbe.plotArea(svg))
        let line = SVGProbe.pathPoints(SVGProbe.attributes("d", in: svg).first ?? "").first ?? []
        #expect(line.count == 3)
        #expect(SVGProbe.near(line[0].0, area.left) && SVGProbe.near(line[2].0, area.right))
        #expect(svg.contains(">L0</text>") && svg.contains(">L2</text>"))
        #expect(svg.contains("<title>layer L1 · residual 2</title>"))
        #expect(!svg.contains(">norms</text>"))
    }

    /// Markers widen the x axis to include them and stack their labels.
    @Test func markersStandWhereTheySay() throws {
        let chart = LineChart(title: "t", xTitle: "x", yTitle: "y", series: [.init("s", x: [0, 10], y: [1, 2])],
                              markers: [.init(x: 20, label: "late <finding>"), .init(x: 20, label: "same step")])
        let svg = chart.svg
        let area = try #require(SVGProbe.plotArea(svg))
        let lines = SVGProbe.attributes("x1", in: SVGProbe.group("markers", in: svg)).compactMap(Double.init)
        #expect(lines.count == 2 && lines.allSatisfy { SVGProbe.near($0, area.right) })
        #expect(svg.contains(">late &lt;finding&gt;</text>"))
    }

    /// A loss per step over 100k steps keeps a few points per pixel column.
    @Test func longSeriesAreThinned() {
        let n = 100_000
        let svg = LineChart(title: "t", xTitle: "x", yTitle: "y",
                            series: [.init("s", x: (0..<n).map(Double.init), y: (0..<n).map { Double($0 % 17) })]).svg
        let points = SVGProbe.pathPoints(SVGProbe.attributes("d", in: svg).first ?? "").joined().count
        #expect(points > 700 && points < 4 * 720)
    }
}
