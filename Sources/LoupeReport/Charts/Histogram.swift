/// Overlaid histograms (one activation layer at the first and the last step), each drawn as
/// translucent bars with an outline, on a shared x axis.
///
/// The y axis is the fraction of each histogram's total per bin, so histograms over different
/// numbers of values compare. Histograms with no counts or an empty or non-finite range are left
/// out; with none left the chart is a "no data" placeholder.
///
/// ```swift
/// let chart = Histogram(title: "layers.1 (relu)", xTitle: "output", series: [
///     .init("step 1", lower: -1, upper: 1, counts: [1, 4, 9, 4]),
///     .init("step 500", lower: 0, upper: 3, counts: [30, 2, 1, 0]),
/// ])
/// let html = "<figure>\(chart.svg)</figure>"
/// ```
public struct Histogram: Sendable {
    /// One histogram: `counts.count` equal bins spanning `lower...upper`. When `upper == lower`
    /// (every value the same: a dead layer's zero gradients) it is drawn as one narrow bar at it.
    public struct Series: Sendable {
        /// The legend's name for it ("step 1").
        public var name: String
        /// The range the bins span.
        public var lower: Double
        public var upper: Double
        /// Values per bin, from `lower` up; negative counts count as 0.
        public var counts: [Int]
        /// A CSS colour; nil takes the series' colour from ``Palette/series(_:)``.
        public var color: String?

        public init(_ name: String, lower: Double, upper: Double, counts: [Int], color: String? = nil) {
            (self.name, self.lower, self.upper, self.counts, self.color) = (name, lower, upper, counts, color)
        }

        /// Whether there is anything to draw.
        var isDrawable: Bool {
            lower.isFinite && upper.isFinite && upper >= lower && counts.contains { $0 > 0 }
        }

        /// What is drawn: the series itself, or for a single value the middle bin of eleven
        /// narrow ones centred on it (so the axis shows some room on either side).
        var drawn: Series {
            guard upper == lower else { return self }
            let bin = Swift.max(abs(lower) * 0.002, 0.002)
            var single = [Int](repeating: 0, count: 11)
            single[5] = counts.reduce(0) { $0 + Swift.max($1, 0) }
            return Series(name, lower: lower - 5.5 * bin, upper: lower + 5.5 * bin, counts: single, color: color)
        }
    }

    /// The chart's accessible name, shown top left.
    public var title: String
    /// What was counted (the x-axis title).
    public var xTitle: String
    public var series: [Series]
    /// Size in pixels of the viewBox; the page's CSS scales the chart to its column.
    public var width: Double
    public var height: Double

    public init(title: String, xTitle: String, series: [Series], width: Double = 350, height: Double = 220) {
        (self.title, self.xTitle, self.series, self.width, self.height) = (title, xTitle, series, width, height)
    }

    /// The chart as one `<svg>` element.
    public var svg: String {
        let drawable = series.enumerated().filter { $0.element.isDrawable }.map { (offset: $0.offset, element: $0.element.drawn) }
        let fractions = drawable.map { _, s in
            let total = Double(s.counts.reduce(0) { $0 + Swift.max($1, 0) })
            return s.counts.map { Double(Swift.max($0, 0)) / total }
        }
        guard let x = AxisScale(covering: drawable.flatMap { [$0.element.lower, $0.element.upper] }, log: false),
              let y = AxisScale(covering: fractions.joined().map { $0 }, log: false, zeroBased: true, targetTicks: 4) else {
            return SVG.placeholder(title: title, width: width, height: height)
        }
        let entries = drawable.map { index, s in Legend.Entry(s.name, color: color(index), mark: .swatch) }
        let legend = Legend.rows(entries, x: 8, y: 26, width: width - 16)
        let tickWidth = y.ticks.map { SVG.textWidth(y.label($0)) }.max() ?? 0
        let lastLabel = x.ticks.last.map { SVG.textWidth(x.label($0)) / 2 } ?? 0
        let area = PlotArea(left: 24 + tickWidth + 6, top: 30 + legend.height + 6,
                            right: width - Swift.max(12, lastLabel + 4), bottom: height - 38)

        var svg = SVG.open(width: width, height: height, label: title) + SVG.title(title) + legend.svg
        svg += area.axes(x: x, y: y, xTitle: xTitle, yTitle: "fraction")
        for ((index, s), fraction) in zip(drawable, fractions) {
            svg += bars(s, fraction, color: color(index), x: x, y: y, area: area)
        }
        return svg + area.outline + "</svg>"
    }

    private func color(_ index: Int) -> String {
        series[index].color ?? Palette.series(index)
    }

    /// Translucent bars for the non-empty bins, and the outline of the whole histogram on top so
    /// overlapping histograms stay distinguishable.
    private func bars(_ s: Series, _ fraction: [Double], color: String, x: AxisScale, y: AxisScale, area: PlotArea) -> String {
        let binWidth = (s.upper - s.lower) / Double(s.counts.count)
        let base = area.y(0, on: y) ?? area.bottom
        var svg = "<g class=\"histogram\"><title>\(XMLText.escape(s.name))</title>"
        var outline = ""
        for (i, f) in fraction.enumerated() {
            guard let x0 = area.x(s.lower + Double(i) * binWidth, on: x), let x1 = area.x(s.lower + Double(i + 1) * binWidth, on: x),
                  let top = area.y(f, on: y) else { continue }
            outline += (outline.isEmpty ? "M\(SVG.px(x0)),\(SVG.px(base)) " : "")
                + "L\(SVG.px(x0)),\(SVG.px(top)) L\(SVG.px(x1)),\(SVG.px(top)) "
            if i == fraction.count - 1 { outline += "L\(SVG.px(x1)),\(SVG.px(base))" }
            guard f > 0 else { continue }
            svg += SVG.rect(x: x0, y: top, width: Swift.max(x1 - x0, 0.5), height: base - top, fill: color, opacity: 0.45)
        }
        if !outline.isEmpty {
            svg += "<path d=\"\(outline)\" fill=\"none\" stroke=\"\(XMLText.escape(color))\" stroke-width=\"1.2\"/>"
        }
        return svg + "</g>"
    }
}
