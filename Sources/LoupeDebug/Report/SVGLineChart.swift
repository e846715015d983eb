import Foundation

/// A line chart: named series over a shared x axis, an optional log-scale y axis, and labelled
/// vertical markers (e.g. a finding at the step it first appeared).
///
/// Points with a non-finite coordinate (or, on a log axis, y ≤ 0) are left out and break the
/// line there; a series with one usable point is drawn as a dot. With no usable point at all the
/// chart is a "no data" placeholder.
///
/// ```swift
/// let chart = SVGLineChart(title: "Training loss", xLabel: "step", yLabel: "loss",
///                          series: [.init("train", x: [1, 2, 3], y: [2.3, .nan, 0.7])],
///                          markers: [.init(x: 2, label: "nan_inf", color: "#c62828")], logY: true)
/// print(chart.svg)
/// ```
public struct SVGLineChart: Sendable {
    /// One named series; `x` and `y` are paired by index (extra values in the longer are ignored).
    public struct Series: Sendable {
        /// The legend's name for it (an empty name is left out of the legend).
        public var name: String
        public var x: [Double]
        public var y: [Double]
        /// A CSS colour; nil takes the next one from ``SVGChart/palette``.
        public var color: String?
        /// Draw the line dashed (a reference or secondary series).
        public var dashed: Bool
        /// Draw a dot at every point (sparse series such as per-epoch metrics).
        public var showsPoints: Bool

        /// A series named `name` through the points (`x[i]`, `y[i]`).
        public init(_ name: String, x: [Double], y: [Double], color: String? = nil, dashed: Bool = false,
                    showsPoints: Bool = false) {
            (self.name, self.x, self.y, self.color, self.dashed, self.showsPoints) = (name, x, y, color, dashed, showsPoints)
        }
    }

    /// A vertical line across the plot at `x`, labelled at its top.
    public struct Marker: Sendable {
        /// Where the line stands, in x-axis units (the x axis widens to include it).
        public var x: Double
        public var label: String
        /// A CSS colour for the line and its label.
        public var color: String

        /// A marker at `x` labelled `label`.
        public init(x: Double, label: String, color: String = "#c62828") {
            (self.x, self.label, self.color) = (x, label, color)
        }
    }

    /// Shown top left, and the chart's accessible name.
    public var title: String
    /// The axis titles.
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var markers: [Marker]
    /// Log10 y axis with ticks at decades (for values spanning orders of magnitude).
    public var logY: Bool
    /// Size in pixels of the viewBox; the page's CSS scales the chart to its column.
    public var width: Double
    public var height: Double

    /// A chart of `series`, with `markers`, on a linear or (`logY`) log y axis.
    public init(title: String, xLabel: String, yLabel: String, series: [Series], markers: [Marker] = [],
                logY: Bool = false, width: Double = 720, height: Double = 300) {
        (self.title, self.xLabel, self.yLabel, self.series) = (title, xLabel, yLabel, series)
        (self.markers, self.logY, self.width, self.height) = (markers, logY, width, height)
    }

    /// The chart as one `<svg>` element.
    public var svg: String {
        guard let layout = layout() else {
            return SVGChart.placeholder(title: title, width: width, height: height)
        }
        var svg = SVGChart.open(width: width, height: height, label: title) + SVGChart.title(title) + layout.legend
        svg += SVGChart.axes(layout.area, x: layout.x, y: layout.y, xLabel: xLabel, yLabel: yLabel)
        svg += layout.area.svg
        for (index, s) in series.enumerated() {
            svg += seriesPath(s, color: color(index), layout)
        }
        // Markers last, so their labels sit above the lines.
        return svg + markerLines(layout) + "</svg>"
    }

    /// Scales, plot area and legend; nil when no series has a usable point.
    struct Layout {
        var x: AxisScale
        var y: AxisScale
        var area: SVGChart.PlotArea
        var legend: String
    }

    func layout() -> Layout? {
        // Only points the y axis can show set the x range, so a NaN tail does not stretch it.
        var xs: [Double] = [], ys: [Double] = []
        var entries: [SVGChart.LegendEntry] = []
        for (index, s) in series.enumerated() {
            let count = xs.count
            for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite && (!logY || y > 0) {
                xs.append(x)
                ys.append(y)
            }
            // The legend names only what is drawn, and needs a name to show.
            if xs.count > count, !s.name.isEmpty {
                entries.append(SVGChart.LegendEntry(name: s.name, color: color(index), dashed: s.dashed))
            }
        }
        guard let yScale = AxisScale(covering: ys, log: logY),
              let xScale = AxisScale(covering: xs + markers.map(\.x), log: false) else { return nil }
        let legend = SVGChart.legend(entries, x: 8, y: 26, width: width - 16)
        let tickWidth = yScale.ticks.map { SVGChart.textWidth(yScale.label($0)) }.max() ?? 0
        // The last x label is centred on the right edge; half of it must fit the margin.
        let lastLabel = xScale.ticks.last.map { SVGChart.textWidth(xScale.label($0)) / 2 } ?? 0
        let area = SVGChart.PlotArea(left: 24 + tickWidth + 6, top: 30 + legend.height + 6,
                                     right: width - Swift.max(16, lastLabel + 4), bottom: height - 38)
        return Layout(x: xScale, y: yScale, area: area, legend: legend.svg)
    }

    private func color(_ index: Int) -> String {
        series[index].color ?? SVGChart.palette[index % SVGChart.palette.count]
    }

    /// One `<path>` per series (gaps become new subpaths), plus dots for lone or sparse points.
    private func seriesPath(_ s: Series, color: String, _ layout: Layout) -> String {
        var segments: [[(Double, Double)]] = [[]]
        for (x, y) in zip(s.x, s.y) {
            guard let px = layout.x.position(x, from: layout.area.left, to: layout.area.right),
                  let py = layout.y.position(y, from: layout.area.bottom, to: layout.area.top) else {
                if !segments[segments.count - 1].isEmpty { segments.append([]) }
                continue
            }
            segments[segments.count - 1].append((px, py))
        }
        segments = segments.filter { !$0.isEmpty }.map { thin($0, columns: layout.area.width) }
        var d = ""
        var dots: [(Double, Double)] = []
        for segment in segments {
            if segment.count == 1 || s.showsPoints { dots += segment }
            guard segment.count > 1 else { continue }
            d += "M" + segment.map { "\(SVGChart.px($0.0)),\(SVGChart.px($0.1))" }.joined(separator: " L")
        }
        var svg = "<g class=\"series\"><title>\(SVGChart.escape(s.name))</title>"
        if !d.isEmpty {
            let dash = s.dashed ? " stroke-dasharray=\"5 3\"" : ""
            svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" stroke-linejoin=\"round\"\(dash)/>"
        }
        for (x, y) in dots {
            svg += "<circle cx=\"\(SVGChart.px(x))\" cy=\"\(SVGChart.px(y))\" r=\"2.8\" fill=\"\(color)\"/>"
        }
        return svg + "</g>"
    }

    /// Long series (a loss per step over 100k steps) keep, per pixel column, the first, lowest,
    /// highest and last point: the drawn shape is unchanged and the page stays small.
    private func thin(_ points: [(Double, Double)], columns: Double) -> [(Double, Double)] {
        guard Double(points.count) > 4 * columns else { return points }
        var kept: [(Double, Double)] = []
        var start = 0
        while start < points.count {
            let column = points[start].0.rounded(.down)
            var end = start, low = start, high = start
            while end < points.count, points[end].0.rounded(.down) == column {
                if points[end].1 < points[low].1 { low = end }
                if points[end].1 > points[high].1 { high = end }
                end += 1
            }
            for i in Set([start, low, high, end - 1]).sorted() { kept.append(points[i]) }
            start = end
        }
        return kept
    }

    /// Dashed vertical lines, then their labels (so no line crosses a label), stacked in up to
    /// four rows so nearby markers stay readable.
    private func markerLines(_ layout: Layout) -> String {
        var lines = "<g class=\"markers\">", labels = ""
        var rowEnds: [Double] = []
        for marker in markers.sorted(by: { $0.x < $1.x }) {
            guard let x = layout.x.position(marker.x, from: layout.area.left, to: layout.area.right) else { continue }
            let label = SVGChart.truncated(marker.label, 32)
            let labelWidth = SVGChart.textWidth(label, fontSize: 10)
            // Labels run right of the line, or left of it near the right edge.
            let leftward = x + 3 + labelWidth > layout.area.right
            let start = leftward ? x - 3 - labelWidth : x + 3
            let row = rowEnds.firstIndex { $0 < start } ?? Swift.min(rowEnds.count, 3)
            if row < rowEnds.count { rowEnds[row] = start + labelWidth + 4 } else { rowEnds.append(start + labelWidth + 4) }
            lines += "<line x1=\"\(SVGChart.px(x))\" y1=\"\(SVGChart.px(layout.area.top))\" x2=\"\(SVGChart.px(x))\" "
                + "y2=\"\(SVGChart.px(layout.area.bottom))\" stroke=\"\(marker.color)\" stroke-width=\"1.2\" stroke-dasharray=\"3 3\"/>"
            labels += SVGChart.text(label, x: leftward ? x - 3 : x + 3, y: layout.area.top + 11 + Double(row) * 12,
                                    anchor: leftward ? "end" : "start", size: 10, fill: marker.color, halo: true)
        }
        return lines + labels + "</g>"
    }
}
