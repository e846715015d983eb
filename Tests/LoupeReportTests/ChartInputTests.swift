import LoupeReport
import LoupeTestSupport
import Testing

/// Every chart, fed nothing, NaN and ∞, or values at the edge of Double, still draws well-formed
/// SVG whose coordinates are finite numbers (a browser drops an element whose attribute says "nan").
struct ChartInputTests {
    static let nasty: [Double] = [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                  .leastNonzeroMagnitude, 0, 1]

    /// Each chart kind on empty, all-NaN and nasty inputs.
    static var charts: [(name: String, svg: String)] {
        var charts: [(String, String)] = []
        for (kind, values) in [("empty", [Double]()), ("nan", [Double.nan, .nan]), ("nasty", nasty)] {
            let x = values.indices.map(Double.init)
            let bars = values.enumerated().map { BarChart.Bar(label: "b\($0.offset)", value: $0.element, tooltip: "t", link: "#b") }
            charts += [
                ("line \(kind)", LineChart(title: "l", xTitle: "x", yTitle: "y", series: [.init("s", x: x, y: values),
                                                                                        .init("t", x: values, y: x)],
                                           markers: [.init(x: .nan, label: "m"), .init(x: 1e308, label: "far")]).svg),
                ("log line \(kind)", LineChart(title: "l", xTitle: "x", yTitle: "y", series: [.init("s", x: x, y: values)], logY: true).svg),
                ("log-x line \(kind)", LineChart(title: "l", xTitle: "x", yTitle: "y", series: [.init("s", x: values, y: x)], xAxis: .log10).svg),
                ("image grid \(kind)", ImageGrid(title: "g", images: values.isEmpty ? [] : [
                    .init(channels: 1, height: 1, width: values.count, pixels: values.map(Float.init), caption: "c"),
                    .init(channels: 3, height: 2, width: 2, pixels: [1], caption: "too few pixels"),
                ]).svg),
                ("categories \(kind)", LineChart(title: "c", xTitle: "x", yTitle: "y", series: [.init("s", values: values)],
                                                 xAxis: .categories(x.map { "\($0)" })).svg),
                ("heatmap \(kind)", Heatmap(title: "h", rowLabels: ["a", "b"], columns: .numeric(x), values: [values, values.reversed()],
                                            valueLabel: "v").svg),
                ("linear heatmap \(kind)", Heatmap(title: "h", rowLabels: ["a"], columns: .categories(x.map { "\($0)" }), values: [values],
                                                   colorScale: .linear(lower: .nan, upper: 1), valueLabel: "v").svg),
                ("histogram \(kind)", Histogram(title: "h", xTitle: "x", series: [
                    .init("s", lower: values.first ?? 0, upper: values.last ?? 0, counts: values.map { $0.isFinite ? 1 : 0 }),
                    .init("wide", lower: -.greatestFiniteMagnitude, upper: .greatestFiniteMagnitude, counts: [1, 2]),
                ]).svg),
                ("bars \(kind)", BarChart(title: "b", bars: bars, scale: .fromZero(maximum: nil)).svg),
                ("diverging \(kind)", BarChart(title: "d", bars: bars, scale: .diverging(negative: "−", positive: "+")).svg),
                ("timeline \(kind)", TimelineChart(title: "t", bars: bars, barTitle: "ms", slotTitle: "cycle", line: values,
                                                   lineName: "entropy").svg),
                ("parallel \(kind)", ParallelCoordinatesChart(title: "p", axes: ["a", "b", "c"],
                                                          lines: [.init("s", values: values), .init("t", values: values.reversed()),
                                                                  .init("short", values: [1])]).svg),
            ]
        }
        return charts
    }

    @Test func everyChartIsWellFormedWithFiniteCoordinates() {
        for (name, svg) in Self.charts {
            #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"), "\(name)")
            #expect(SVGProbe.isWellFormed(svg), "\(name)")
            let bad = SVGProbe.coordinateAttributes(svg).filter { !SVGProbe.isFiniteNumberList($0) }
            #expect(bad.isEmpty, "\(name): \(bad.prefix(3))")
            #expect(SVGProbe.attributes("fill", in: svg).allSatisfy { $0.hasPrefix("#") || $0 == "none" }, "\(name)")
            #expect(!svg.contains("http://") && !svg.contains(" id=\""), "\(name)")
        }
    }

    @Test func chartsWithNothingToDrawArePlaceholders() {
        let charts = [
            LineChart(title: "a", xTitle: "x", yTitle: "y", series: []).svg,
            LineChart(title: "b", xTitle: "x", yTitle: "y", series: [.init("s", x: [1, 2], y: [.nan, .nan])]).svg,
            Heatmap(title: "c", rowLabels: [], columns: .numeric([1, 2]), values: [], valueLabel: "v").svg,
            Histogram(title: "d", xTitle: "x", series: [.init("s", lower: 0, upper: 1, counts: [0, 0])]).svg,
            TimelineChart(title: "e", bars: [], barTitle: "ms", slotTitle: "cycle", line: [], lineName: "entropy").svg,
            ParallelCoordinatesChart(title: "f", axes: [], lines: [.init("s", values: [1])]).svg,
            ParallelCoordinatesChart(title: "g", axes: ["a"], lines: []).svg,
        ]
        for svg in charts {
            #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>"))
            #expect(svg.contains("class=\"placeholder\""))
            #expect(svg.contains(">no data</text>"))
        }
    }

    @Test func aHistogramOfOneValueIsOneNarrowBarAtIt() {
        let svg = Histogram(title: "h", xTitle: "x", series: [.init("zeros", lower: 0, upper: 0, counts: [5, 0, 0])]).svg
        #expect(!svg.contains("class=\"placeholder\""))
        let bars = SVGProbe.attributes("width", in: SVGProbe.group("histogram", in: svg)).compactMap(Double.init)
        #expect(bars.count == 1)
        // The bar is centred on 0 and much narrower than the plot.
        #expect(svg.contains(">0</text>") && (bars.first ?? 1000) < 200)
    }

    @Test func histogramBarsAreProportionalToFractions() {
        let svg = Histogram(title: "h", xTitle: "x", series: [.init("s", lower: 0, upper: 2, counts: [1, 3])]).svg
        let bars = SVGProbe.attributes("height", in: SVGProbe.group("histogram", in: svg)).compactMap(Double.init)
        #expect(bars.count == 2)
        #expect(abs(bars[1] / bars[0] - 3) < 0.02)
    }

    @Test func barsScaleToTheirMaximumAndLinkWhereAsked() {
        let chart = BarChart(title: "top", bars: [.init(label: "a", value: 0.5, tooltip: "half", link: "#a"),
                                                  .init(label: "b", value: 2, tooltip: "over")],
                             scale: .fromZero(maximum: 1), valueFormat: .percent)
        let widths = SVGProbe.attributes("width", in: chart.svg).dropFirst().compactMap(Double.init)
        #expect(widths == [130, 260])   // half the bar area, and a value past the maximum stops at its end
        #expect(chart.svg.contains("<a href=\"#a\"><rect") && chart.svg.contains(">50%</text>") && chart.svg.contains(">200%</text>"))

        let diverging = BarChart(title: "d", bars: [.init(label: "up", value: 2, tooltip: ""), .init(label: "down", value: -1, tooltip: "")],
                                 scale: .diverging(negative: "lowers", positive: "raises")).svg
        #expect(SVGProbe.attributes("fill", in: diverging).contains(Palette.negative))
        #expect(diverging.contains(">-1</text>") && diverging.contains(">raises</text>"))
    }

    @Test func rampsInterpolateAndPickReadableText() {
        #expect(ColorRamp.viridis.color(at: 0.25) == "#3b528b")
        #expect(ColorRamp.blues.color(at: -3) == "#f7fbff" && ColorRamp.blues.color(at: .nan) == "#f7fbff")
        #expect(ColorRamp.blues.color(at: 7) == "#08306b")
        #expect(ColorRamp.blues.textColor(at: 0.1) == "#222" && ColorRamp.blues.textColor(at: 0.9) == "#fff")
        #expect(Palette.series(-1) == Palette.series(Palette.series.count - 1))
    }
}
