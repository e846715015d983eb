import Foundation

/// Overlaid histograms (e.g. one activation layer at the first and the last step), each drawn as
/// translucent bars with an outline, on a shared x axis.
///
/// The y axis is the fraction of each histogram's total per bin, so histograms over different
/// numbers of values compare. Histograms with no counts or an empty or non-finite range are left
/// out; with none left the chart is a "no data" placeholder.
///
/// ```swift
/// let chart = SVGHistogram(title: "layers.1 (relu)", xLabel: "output", series: [
///     .init("step 1", lower: -1, upper: 1, counts: [1, 4, 9, 4]),
///     .init("step 500", lower: 0, upper: 3, counts: [30, 2, 1, 0]),
/// ])
/// print(chart.svg)
/// ```
public struct SVGHistogram: Sendable {
    /// One histogram: `counts.count` equal bins spanning `lower...upper`.
    public struct Series: Sendable {
        /// The legend's name for it ("step 1").
        public var name: String
        /// The range the bins span.
        public var lower: Double
        public var upper: Double
        /// Values per bin, from `lower` up.
        public var counts: [Int]
        /// A CSS colour; nil takes the next one from ``SVGChart/palette``.
        public var color: String?

        /// A histogram named `name` of `counts.count` equal bins over `lower...upper`.
        public init(_ name: String, lower: Double, upper: Double, counts: [Int], color: String? = nil) {
            (self.name, self.lower, self.upper, self.counts, self.color) = (name, lower, upper, counts, color)
        }

        /// Whether there is anything to draw.
        var isDrawable: Bool {
            lower.isFinite && upper.isFinite && upper > lower && counts.contains { $0 > 0 }
        }
    }

    /// Shown top left, and the chart's accessible name.
    public var title: String
    /// What was counted (the x axis title).
    public var xLabel: String
    public var series: [Series]
    /// Size in pixels of the viewBox; the page's CSS scales the chart to its column.
    public var width: Double
    public var height: Double

    /// Overlaid histograms of `series`.
    public init(title: String, xLabel: String, series: [Series], width: Double = 350, height: Double = 220) {
        (self.title, self.xLabel, self.series, self.width, self.height) = (title, xLabel, series, width, height)
    }

    /// The chart as one `<svg>` element.
    public var svg: String {
        let drawable = series.enumerated().filter { $0.element.isDrawable }
        let fractions = drawable.map { _, s in
            let total = Double(s.counts.reduce(0) { $0 + Swift.max($1, 0) })
            return s.counts.map { Double(Swift.max($0, 0)) / total }
        }
        guard let x = AxisScale(covering: drawable.flatMap { [$0.element.lower, $0.element.upper] }, log: false),
              let y = AxisScale(covering: [0] + fractions.joined(), log: false, targetTicks: 4) else {
            return SVGChart.placeholder(title: title, width: width, height: height)
        }
        let entries = drawable.map { index, s in SVGChart.LegendEntry(name: s.name, color: color(index), filled: true) }
        let legend = SVGChart.legend(entries, x: 8, y: 26, width: width - 16)
        let tickWidth = y.ticks.map { SVGChart.textWidth(y.label($0)) }.max() ?? 0
        let lastLabel = x.ticks.last.map { SVGChart.textWidth(x.label($0)) / 2 } ?? 0
        let area = SVGChart.PlotArea(left: 24 + tickWidth + 6, top: 30 + legend.height + 6,
                                     right: width - Swift.max(12, lastLabel + 4), bottom: height - 38)

        var svg = SVGChart.open(width: width, height: height, label: title) + SVGChart.title(title) + legend.svg
        svg += SVGChart.axes(area, x: x, y: y, xLabel: xLabel, yLabel: "fraction")
        for ((index, s), fraction) in zip(drawable, fractions) {
            svg += bars(s, fraction, color: color(index), x: x, y: y, area: area)
        }
        return svg + area.svg + "</svg>"
    }

    private func color(_ index: Int) -> String {
        series[index].color ?? SVGChart.palette[index % SVGChart.palette.count]
    }

    /// Translucent bars for the non-empty bins, and the outline of the whole histogram on top so
    /// overlapping histograms stay distinguishable.
    private func bars(_ s: Series, _ fraction: [Double], color: String, x: AxisScale, y: AxisScale,
                      area: SVGChart.PlotArea) -> String {
        let binWidth = (s.upper - s.lower) / Double(s.counts.count)
        let base = y.position(0, from: area.bottom, to: area.top) ?? area.bottom
        var svg = "<g class=\"histogram\"><title>\(SVGChart.escape(s.name))</title>"
        var outline = ""
        for (i, f) in fraction.enumerated() {
            guard let x0 = x.position(s.lower + Double(i) * binWidth, from: area.left, to: area.right),
                  let x1 = x.position(s.lower + Double(i + 1) * binWidth, from: area.left, to: area.right),
                  let top = y.position(f, from: area.bottom, to: area.top) else { continue }
            outline += (outline.isEmpty ? "M\(SVGChart.px(x0)),\(SVGChart.px(base)) " : "")
                + "L\(SVGChart.px(x0)),\(SVGChart.px(top)) L\(SVGChart.px(x1)),\(SVGChart.px(top)) "
            if i == fraction.count - 1 { outline += "L\(SVGChart.px(x1)),\(SVGChart.px(base))" }
            guard f > 0 else { continue }
            svg += "<rect x=\"\(SVGChart.px(x0))\" y=\"\(SVGChart.px(top))\" width=\"\(SVGChart.px(Swift.max(x1 - x0, 0.5)))\" "
                + "height=\"\(SVGChart.px(base - top))\" fill=\"\(color)\" fill-opacity=\"0.45\"/>"
        }
        if !outline.isEmpty {
            svg += "<path d=\"\(outline)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.2\"/>"
        }
        return svg + "</g>"
    }
}
