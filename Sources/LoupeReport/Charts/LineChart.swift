/// A line chart: named series over a shared x axis (numbers, or labelled categories such as
/// layers), a linear or log10 y axis, and labelled vertical markers (a finding at the step it
/// first appeared).
///
/// Points with a non-finite coordinate (or, on a log axis, y ≤ 0) are left out and break the
/// line there; a run of one usable point is drawn as a dot. With no usable point at all the chart
/// is a "no data" placeholder. Series of more than four points per pixel column are thinned to
/// each column's first, lowest, highest and last point: the drawn shape is unchanged and a page
/// with a loss per step over 100k steps stays small.
///
/// ```swift
/// let loss = LineChart(title: "Training loss", xTitle: "step", yTitle: "loss",
///                      series: [.init("train", x: [1, 2, 3], y: [2.3, .nan, 0.7])],
///                      markers: [.init(x: 2, label: "nan_inf", color: "#c62828")], logY: true)
/// let norms = LineChart(title: "Norms by layer", xTitle: "layer", yTitle: "L2 norm",
///                       series: [.init("residual", values: [1, 4, 9])], xAxis: .categories(["0", "1", "2"]))
/// let html = "<figure>\(loss.svg)</figure><figure>\(norms.svg)</figure>"
/// ```
public struct LineChart: Sendable {
    /// One named series; `x` and `y` are paired by index (extra values in the longer are ignored).
    public struct Series: Sendable {
        /// The legend's name for it (an empty name is left out of the legend).
        public var name: String
        public var x: [Double]
        public var y: [Double]
        /// A CSS colour; nil takes the series' colour from ``Palette/series(_:)``.
        public var color: String?
        /// Draw the line dashed (a reference or secondary series).
        public var dashed: Bool
        /// Draw a dot with hover text at every point (sparse series such as per-epoch metrics).
        public var showsPoints: Bool

        /// A series named `name` through the points (`x[i]`, `y[i]`).
        public init(_ name: String, x: [Double], y: [Double], color: String? = nil, dashed: Bool = false,
                    showsPoints: Bool = false) {
            (self.name, self.x, self.y, self.color, self.dashed, self.showsPoints) = (name, x, y, color, dashed, showsPoints)
        }

        /// A series with one value per category (`x` is the category's index).
        public init(_ name: String, values: [Double], color: String? = nil, dashed: Bool = false, showsPoints: Bool = true) {
            self.init(name, x: values.indices.map(Double.init), y: values, color: color, dashed: dashed, showsPoints: showsPoints)
        }
    }

    /// A vertical line across the plot at `x`, labelled at its top.
    public struct Marker: Sendable {
        /// Where the line stands, in x-axis units (a numeric x axis widens to include it).
        public var x: Double
        public var label: String
        /// A CSS colour for the line and its label.
        public var color: String

        public init(x: Double, label: String, color: String = "#c62828") {
            (self.x, self.label, self.color) = (x, label, color)
        }
    }

    /// What the x values are.
    public enum XAxis: Sendable {
        /// Numbers on a linear axis with nice ticks (steps, epochs).
        case numeric
        /// Positive numbers on a log10 axis with ticks at decades (costs that span orders of magnitude).
        case log10
        /// Named positions 0, 1, 2, … (layers), each labelled, evenly spaced edge to edge.
        case categories([String])
    }

    /// The chart's accessible name, and shown top left when `showsTitle`.
    public var title: String
    public var xTitle: String
    /// The y-axis title; a log axis adds " (log)".
    public var yTitle: String
    public var series: [Series]
    public var markers: [Marker]
    public var xAxis: XAxis
    /// Log10 y axis with ticks at decades (``AxisScale/spansDecades(_:)`` says when it helps).
    public var logY: Bool
    /// False where the page already titles the chart (a panel heading).
    public var showsTitle: Bool
    /// Size in pixels of the viewBox; the page's CSS scales the chart to its column.
    public var width: Double
    public var height: Double

    public init(title: String, xTitle: String, yTitle: String, series: [Series], markers: [Marker] = [],
                xAxis: XAxis = .numeric, logY: Bool = false, showsTitle: Bool = true, width: Double = 720, height: Double = 300) {
        (self.title, self.xTitle, self.yTitle, self.series, self.markers) = (title, xTitle, yTitle, series, markers)
        (self.xAxis, self.logY, self.showsTitle, self.width, self.height) = (xAxis, logY, showsTitle, width, height)
    }

    /// The chart as one `<svg>` element.
    public var svg: String {
        guard let layout = layout() else { return SVG.placeholder(title: title, width: width, height: height) }
        var svg = SVG.open(width: width, height: height, label: title) + (showsTitle ? SVG.title(title) : "") + layout.legend
        let yTitle = self.yTitle + (logY ? " (log)" : "")
        switch xAxis {
        case .numeric, .log10:
            svg += layout.area.axes(x: layout.x, y: layout.y, xTitle: xTitle, yTitle: yTitle)
        case let .categories(labels):
            let spacing = layout.area.width / Double(Swift.max(labels.count - 1, 1))
            svg += layout.area.grid(y: layout.y) + layout.area.yTickLabels(layout.y)
                + layout.area.categoryLabels(labels, spacing: spacing) { layout.area.x(Double($0), on: layout.x) ?? 0 }
                + layout.area.titles(x: xTitle, y: yTitle)
        }
        svg += layout.area.outline
        for (index, s) in series.enumerated() {
            svg += path(s, color: color(index), layout)
        }
        // Markers last, so their labels sit above the lines.
        return svg + markerLines(layout) + "</svg>"
    }

    /// Scales, plot area and legend; nil when no series has a usable point.
    struct Layout {
        var x: AxisScale
        var y: AxisScale
        var area: PlotArea
        var legend: String
    }

    func layout() -> Layout? {
        // Only points the y axis can show set the x range, so a NaN tail does not stretch it.
        var xs: [Double] = [], ys: [Double] = []
        var entries: [Legend.Entry] = []
        for (index, s) in series.enumerated() {
            let count = xs.count
            for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite && (!logY || y > 0) && (!xIsLog || x > 0) {
                xs.append(x)
                ys.append(y)
            }
            // The legend names only what is drawn, and needs a name to show.
            if xs.count > count, !s.name.isEmpty {
                entries.append(Legend.Entry(s.name, color: color(index), mark: .line(s.dashed ? .dashed : .solid)))
            }
        }
        let xScale: AxisScale?
        switch xAxis {
        case .numeric: xScale = AxisScale(covering: xs + markers.map(\.x), log: false)
        case .log10: xScale = AxisScale(covering: xs + markers.map(\.x).filter { $0 > 0 }, log: true)
        case let .categories(labels): xScale = ys.isEmpty ? nil : AxisScale(covering: [0, Double(labels.count - 1)], log: false, nice: false)
        }
        guard let yScale = AxisScale(covering: ys, log: logY), let xScale else { return nil }
        let top = showsTitle ? 26.0 : 4
        let legend = Legend.rows(entries, x: 8, y: top, width: width - 16)
        let tickWidth = yScale.ticks.map { SVG.textWidth(yScale.label($0)) }.max() ?? 0
        // The last x label is centred on the right edge; half of it must fit the margin.
        let lastLabel: Double
        switch xAxis {
        case .numeric, .log10: lastLabel = xScale.ticks.last.map { SVG.textWidth(xScale.label($0)) / 2 } ?? 0
        case let .categories(labels): lastLabel = labels.last.map { SVG.textWidth(SVG.truncated($0, 12), fontSize: 10) / 2 } ?? 0
        }
        let area = PlotArea(left: 24 + tickWidth + 6, top: top + 4 + legend.height + 6,
                            right: width - Swift.max(16, lastLabel + 4), bottom: height - 38)
        return Layout(x: xScale, y: yScale, area: area, legend: legend.svg)
    }

    private var xIsLog: Bool {
        if case .log10 = xAxis { return true }
        return false
    }

    private func color(_ index: Int) -> String {
        series[index].color ?? Palette.series(index)
    }

    /// What a point's hover text calls its x value.
    private func xName(_ x: Double) -> String {
        if case let .categories(labels) = xAxis, let i = Int(exactly: x), labels.indices.contains(i) {
            return "\(xTitle) \(labels[i])"
        }
        return "\(xTitle) \(NumberText.readable(x))"
    }

    /// One `<path>` per series (gaps become new subpaths), plus dots with hover text for lone or
    /// sparse points.
    private func path(_ s: Series, color: String, _ layout: Layout) -> String {
        typealias Point = (x: Double, y: Double, px: Double, py: Double)
        var segments: [[Point]] = [[]]
        for (x, y) in zip(s.x, s.y) {
            guard let px = layout.area.x(x, on: layout.x), let py = layout.area.y(y, on: layout.y) else {
                if !segments[segments.count - 1].isEmpty { segments.append([]) }
                continue
            }
            segments[segments.count - 1].append((x, y, px, py))
        }
        let dots = segments.filter { $0.count == 1 || s.showsPoints }.joined()
        let d = SVG.pathData(segments.flatMap { Self.thinned($0.map { ($0.px, $0.py) }, columns: layout.area.width) + [nil] })
        var svg = "<g class=\"series\"><title>\(XMLText.escape(s.name))</title>"
        if !d.isEmpty {
            let dash = s.dashed ? " stroke-dasharray=\"5 3\"" : ""
            svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(XMLText.escape(color))\" stroke-width=\"1.6\" stroke-linejoin=\"round\"\(dash)/>"
        }
        for dot in dots {
            let tip = "\(xName(dot.x)) · \(s.name.isEmpty ? yTitle : s.name) \(NumberText.readable(dot.y))"
            svg += "<circle cx=\"\(SVG.px(dot.px))\" cy=\"\(SVG.px(dot.py))\" r=\"2.8\" fill=\"\(XMLText.escape(color))\">"
                + "<title>\(XMLText.escape(tip))</title></circle>"
        }
        return svg + "</g>"
    }

    /// Per pixel column, the first, lowest, highest and last point, when there are more than
    /// four points per column; otherwise `points` as they are.
    static func thinned(_ points: [(x: Double, y: Double)], columns: Double) -> [(x: Double, y: Double)?] {
        guard Double(points.count) > 4 * columns else { return points }
        var kept: [(x: Double, y: Double)?] = []
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

    /// Dotted vertical lines, then their labels (so no line crosses a label), stacked in up to
    /// four rows so nearby markers stay readable.
    private func markerLines(_ layout: Layout) -> String {
        var lines = "<g class=\"markers\">", labels = ""
        var rowEnds: [Double] = []
        for marker in markers.sorted(by: { $0.x < $1.x }) {
            guard let x = layout.area.x(marker.x, on: layout.x) else { continue }
            let label = SVG.truncated(marker.label, 32)
            let labelWidth = SVG.textWidth(label, fontSize: 10)
            // Labels run right of the line, or left of it near the right edge.
            let leftward = x + 3 + labelWidth > layout.area.right
            let start = leftward ? x - 3 - labelWidth : x + 3
            let row = rowEnds.firstIndex { $0 < start } ?? Swift.min(rowEnds.count, 3)
            if row < rowEnds.count { rowEnds[row] = start + labelWidth + 4 } else { rowEnds.append(start + labelWidth + 4) }
            lines += SVG.line(x, layout.area.top, x, layout.area.bottom, stroke: marker.color, width: 1.2, style: .dotted)
            labels += SVG.text(label, x: leftward ? x - 3 : x + 3, y: layout.area.top + 11 + Double(row) * 12,
                               anchor: leftward ? .end : .start, size: 10, fill: marker.color, halo: true)
        }
        return lines + labels + "</g>"
    }
}
