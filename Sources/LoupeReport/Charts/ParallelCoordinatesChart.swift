import Foundation

/// Parallel coordinates: one vertical axis per dimension (a run's hyperparameters and a metric),
/// one polyline per item (a run) through its value on each axis, so which settings go with a good
/// metric shows as lines bunching on the axes.
///
/// Each axis scales on its own: linear, or log10 when its positive values span more than two
/// decades (learning rates). A value an axis cannot show (NaN, a missing setting) leaves a gap in
/// that item's line; an axis with no usable value says "no data". With no axes or no items the
/// chart is the "no data" placeholder.
///
/// ```swift
/// let chart = ParallelCoordinatesChart(title: "Runs by hyperparameter", axes: ["train.lr", "train.batch_size", "validation/accuracy"],
///                                      lines: [.init("run a", values: [0.1, 32, 0.91]), .init("run b", values: [0.0001, 64, .nan])])
/// let html = "<figure>\(chart.svg)</figure>"
/// ```
public struct ParallelCoordinatesChart: Sendable {
    /// One item: its legend name and one value per axis (extra values are ignored, missing ones
    /// are gaps).
    public struct Line: Sendable {
        public var name: String
        public var values: [Double]
        /// A CSS colour; nil takes the line's colour from ``Palette/series(_:)``.
        public var color: String?

        public init(_ name: String, values: [Double], color: String? = nil) {
            (self.name, self.values, self.color) = (name, values, color)
        }
    }

    /// The chart's accessible name, shown top left.
    public var title: String
    /// The axes' names, left to right.
    public var axes: [String]
    public var lines: [Line]
    /// Size in pixels of the viewBox; the page's CSS scales the chart to its column.
    public var width: Double
    public var height: Double

    public init(title: String, axes: [String], lines: [Line], width: Double = 720, height: Double = 340) {
        (self.title, self.axes, self.lines, self.width, self.height) = (title, axes, lines, width, height)
    }

    /// The chart as one `<svg>` element.
    public var svg: String {
        guard !axes.isEmpty, !lines.isEmpty else { return SVG.placeholder(title: title, width: width, height: height) }
        let scales = axes.indices.map { scale(axis: $0) }
        let entries = lines.enumerated().map { Legend.Entry($1.name, color: color($0)) }
        let legend = Legend.rows(entries, x: 8, y: 26, width: width - 16)
        // Axis names stand above the plot, in two staggered rows when neighbours stand closer than a
        // name needs; tick labels sit left of each axis.
        let spacing = axes.count > 1 ? (width - 112) / Double(axes.count - 1) : width
        let staggered = axes.contains { SVG.textWidth($0, fontSize: 10) > spacing - 8 }
        let characters = Swift.max(8, Int((staggered ? 2 * spacing : spacing) / 6.5))
        let area = PlotArea(left: 56, top: 26 + legend.height + (staggered ? 42 : 30), right: width - 56, bottom: height - 14)
        var svg = SVG.open(width: width, height: height, label: title) + SVG.title(title) + legend.svg
        for (index, name) in axes.enumerated() {
            let x = axisX(index, area)
            svg += SVG.line(x, area.top, x, area.bottom, stroke: "#888", width: 1)
            let row = staggered && index % 2 == 0 ? 1.0 : 0
            svg += "<g><title>\(XMLText.escape(name))</title>" + SVG.text(SVG.truncated(name, characters, middle: true), x: x, y: area.top - 10 - 13 * row,
                                                                     anchor: .middle, size: 10, bold: true, fill: "#333") + "</g>"
            if let scale = scales[index] {
                svg += "<g class=\"ticks\" fill=\"#555\">"
                for tick in scale.ticks {
                    guard let y = scale.position(tick, from: area.bottom, to: area.top) else { continue }
                    svg += SVG.line(x - 3, y, x, y, stroke: "#888") + SVG.text(scale.label(tick), x: x - 5, y: y + 3.5, anchor: .end, size: 10, halo: true)
                }
                svg += "</g>"
            } else {
                svg += SVG.text("no data", x: x, y: area.top + area.height / 2, anchor: .middle, size: 10, fill: "#888", halo: true)
            }
        }
        for (index, line) in lines.enumerated() {
            let points: [(x: Double, y: Double)?] = axes.indices.map { axis in
                guard axis < line.values.count, let scale = scales[axis],
                      let y = scale.position(line.values[axis], from: area.bottom, to: area.top) else { return nil }
                return (axisX(axis, area), y)
            }
            let tip = line.name + ": " + axes.indices.map { axis in
                "\(axes[axis]) \(axis < line.values.count ? NumberText.readable(line.values[axis]) : "-")"
            }.joined(separator: ", ")
            svg += "<g class=\"series\"><title>\(XMLText.escape(tip))</title>"
            let d = SVG.pathData(points)
            if !d.isEmpty {
                svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(XMLText.escape(color(index)))\" stroke-width=\"2\" stroke-opacity=\"0.85\" stroke-linejoin=\"round\"/>"
            }
            for point in points.compactMap({ $0 }) {
                svg += "<circle cx=\"\(SVG.px(point.x))\" cy=\"\(SVG.px(point.y))\" r=\"2.8\" fill=\"\(XMLText.escape(color(index)))\"/>"
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    /// Axis `index`'s own scale over the lines' values; nil when none is usable.
    private func scale(axis index: Int) -> AxisScale? {
        let values = lines.compactMap { index < $0.values.count ? $0.values[index] : nil }
        let log = AxisScale.spansDecades(values) && values.allSatisfy { !$0.isFinite || $0 > 0 }
        return AxisScale(covering: values, log: log)
    }

    /// Axes spread evenly from the plot's left edge to its right; a single axis stands mid-plot.
    private func axisX(_ index: Int, _ area: PlotArea) -> Double {
        axes.count == 1 ? area.left + area.width / 2 : area.left + area.width * Double(index) / Double(axes.count - 1)
    }

    private func color(_ index: Int) -> String {
        lines[index].color ?? Palette.series(index)
    }
}
