import Foundation

/// A heatmap: one row per label (a layer path), one column per x value (a sampled step), each
/// cell coloured by its value, with a colour bar and a tooltip per cell.
///
/// Non-finite cells (not measured, or NaN/∞) are grey. On the log10 colour scale, values ≤ 0
/// take the lowest colour. With no rows or no columns the chart is a "no data" placeholder.
///
/// ```swift
/// let map = SVGHeatmap(title: "Gradient norm", rowLabels: ["layers.0", "layers.2"], columns: [1, 2, 3],
///                      values: [[1e-3, 1e-2, .nan], [0.5, 1, 2]], valueLabel: "‖∇W‖")
/// print(map.svg)
/// ```
public struct SVGHeatmap: Sendable {
    /// How a value becomes a colour (viridis, dark purple to yellow).
    public enum ColorScale: Sendable, Equatable {
        /// By log10 of the value, over the range of the positive finite values.
        case log10
        /// Linearly from `lower` to `upper` (values beyond take the end colours).
        case linear(lower: Double, upper: Double)
    }

    /// Shown top left, and the chart's accessible name.
    public var title: String
    /// One label per row, drawn left of it (middle-truncated when long; the tooltips keep it whole).
    public var rowLabels: [String]
    /// The x value of each column (e.g. the sampled steps).
    public var columns: [Double]
    /// `values[row][column]`; a short row is padded with NaN.
    public var values: [[Double]]
    public var colorScale: ColorScale
    /// What the columns are ("step"), under the x axis and in the tooltips.
    public var xLabel: String
    /// What the values are, for the tooltips and the colour bar.
    public var valueLabel: String
    /// Width in pixels of the viewBox; the height follows from the number of rows.
    public var width: Double
    /// Beyond this many columns, evenly spaced ones are shown (first and last included).
    public var maxColumns: Int

    /// A heatmap of `values` (rows × columns) coloured by `colorScale`.
    public init(title: String, rowLabels: [String], columns: [Double], values: [[Double]], colorScale: ColorScale = .log10,
                xLabel: String = "step", valueLabel: String, width: Double = 720, maxColumns: Int = 120) {
        (self.title, self.rowLabels, self.columns, self.values) = (title, rowLabels, columns, values)
        (self.colorScale, self.xLabel, self.valueLabel) = (colorScale, xLabel, valueLabel)
        (self.width, self.maxColumns) = (width, maxColumns)
    }

    static let missingColor = "#d0d0d0"

    /// The chart as one `<svg>` element.
    public var svg: String {
        guard !rowLabels.isEmpty, !columns.isEmpty else {
            return SVGChart.placeholder(title: title, width: width, height: 160)
        }
        let shown = shownColumns()
        // Rows shrink as layers multiply, but stay tall enough to read and hover.
        let rowHeight = Swift.max(10, Swift.min(20, 360 / Double(rowLabels.count)))
        let fontSize = Swift.min(11, rowHeight - 1)
        let labels = rowLabels.map { SVGChart.truncated($0, 36, middle: true) }
        let labelWidth = labels.map { SVGChart.textWidth($0, fontSize: fontSize) }.max() ?? 0
        let area = SVGChart.PlotArea(left: 8 + labelWidth + 6, top: 30, right: width - 78,
                                     bottom: 30 + rowHeight * Double(rowLabels.count))
        let barHeight = Swift.max(area.height, 90)
        let height = area.top + Swift.max(area.height + 36, barHeight + 16)
        let domain = colorDomain()

        var svg = SVGChart.open(width: width, height: height, label: title) + SVGChart.title(title)
        let cellWidth = area.width / Double(shown.count)
        svg += "<g class=\"cells\" shape-rendering=\"crispEdges\">"
        for (r, label) in rowLabels.enumerated() {
            let y = area.top + Double(r) * rowHeight
            for (c, column) in shown.enumerated() {
                let value = r < values.count && column < values[r].count ? values[r][column] : .nan
                let tip = "\(label) · \(xLabel) \(SVGChart.number(columns[column])): \(valueLabel) = \(SVGChart.number(value))"
                svg += "<rect x=\"\(SVGChart.px(area.left + Double(c) * cellWidth))\" y=\"\(SVGChart.px(y))\" "
                    + "width=\"\(SVGChart.px(cellWidth + 0.4))\" height=\"\(SVGChart.px(rowHeight))\" "
                    + "fill=\"\(color(value, domain))\"><title>\(SVGChart.escape(tip))</title></rect>"
            }
        }
        svg += "</g><g class=\"rows\" fill=\"#444\">"
        for (r, label) in labels.enumerated() {
            svg += SVGChart.text(label, x: area.left - 5, y: area.top + (Double(r) + 0.5) * rowHeight + fontSize * 0.35,
                                 anchor: "end", size: fontSize)
        }
        svg += "</g>" + area.svg + columnTicks(shown, area: area, cellWidth: cellWidth)
        svg += colorBar(domain, left: area.right + 12, top: area.top, height: barHeight)
        return svg + "</svg>"
    }

    /// Indices of the columns drawn: all, or `maxColumns` evenly spaced.
    func shownColumns() -> [Int] {
        let n = columns.count, m = Swift.max(maxColumns, 2)
        guard n > m else { return Array(0..<n) }
        return (0..<m).map { Int((Double($0) * Double(n - 1) / Double(m - 1)).rounded()) }
    }

    /// The colour range in scale units (log10 of the value on the log scale); nil when no value
    /// can be coloured.
    func colorDomain() -> (lower: Double, upper: Double)? {
        switch colorScale {
        case let .linear(lower, upper):
            guard lower.isFinite, upper.isFinite, lower < upper else { return nil }
            return (lower, upper)
        case .log10:
            let logs = values.joined().filter { $0.isFinite && $0 > 0 }.map { Foundation.log10($0) }
            guard let lo = logs.min(), let hi = logs.max() else {
                // Only zeros: keep them coloured (lowest colour) rather than grey like a NaN.
                return values.joined().contains { $0.isFinite } ? (0, 1) : nil
            }
            return lo == hi ? (lo - 0.5, hi + 0.5) : (lo, hi)
        }
    }

    private func color(_ value: Double, _ domain: (lower: Double, upper: Double)?) -> String {
        guard value.isFinite, let domain else { return Self.missingColor }
        let scaled: Double
        if colorScale == .log10 { scaled = value > 0 ? Foundation.log10(value) : -.infinity } else { scaled = value }
        let t = Swift.min(Swift.max((scaled - domain.lower) / (domain.upper - domain.lower), 0), 1)
        return Self.viridis(t.isNaN ? 0 : t)
    }

    /// The viridis colour map (perceptually uniform, readable in greyscale) at `t` in 0...1.
    static func viridis(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (68, 1, 84), (71, 45, 123), (59, 82, 139), (44, 114, 142), (33, 145, 140),
            (40, 174, 128), (94, 201, 98), (173, 220, 48), (253, 231, 37),
        ]
        let position = t * Double(stops.count - 1)
        let i = Swift.min(Int(position), stops.count - 2), f = position - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }

    /// Step labels under about six evenly spaced columns.
    private func columnTicks(_ shown: [Int], area: SVGChart.PlotArea, cellWidth: Double) -> String {
        let count = Swift.min(shown.count, 6)
        let picks = count == 1 ? [0] : (0..<count).map { Int((Double($0) * Double(shown.count - 1) / Double(count - 1)).rounded()) }
        var svg = "<g class=\"ticks\" fill=\"#555\">"
        for c in picks {
            svg += SVGChart.text(SVGChart.number(columns[shown[c]]), x: area.left + (Double(c) + 0.5) * cellWidth,
                                 y: area.bottom + 14, anchor: "middle")
        }
        svg += "</g>"
        return svg + SVGChart.text(xLabel, x: area.left + area.width / 2, y: area.bottom + 29, anchor: "middle", fill: "#555")
    }

    /// A vertical colour bar (stacked bands, no gradient ids) with ticks, and the grey swatch.
    private func colorBar(_ domain: (lower: Double, upper: Double)?, left: Double, top: Double, height: Double) -> String {
        var svg = "<g class=\"colorbar\">"
        let swatch = "<rect x=\"\(SVGChart.px(left))\" y=\"\(SVGChart.px(top + height - 10))\" width=\"12\" height=\"10\" "
            + "fill=\"\(Self.missingColor)\"/>" + SVGChart.text("n/a", x: left + 16, y: top + height - 1, size: 10)
        guard let domain else { return svg + swatch + "</g>" }
        let barHeight = height - 16, bands = 32
        svg += "<g shape-rendering=\"crispEdges\">"
        for band in 0..<bands {
            let y = top + barHeight * Double(bands - 1 - band) / Double(bands)
            svg += "<rect x=\"\(SVGChart.px(left))\" y=\"\(SVGChart.px(y))\" width=\"12\" "
                + "height=\"\(SVGChart.px(barHeight / Double(bands) + 0.4))\" fill=\"\(Self.viridis((Double(band) + 0.5) / Double(bands)))\"/>"
        }
        svg += "</g>"
        let scale = AxisScale(covering: [domain.lower, domain.upper], log: false, nice: false, targetTicks: 6)
        for tick in scale?.ticks ?? [] {
            let y = top + barHeight * (1 - (tick - domain.lower) / (domain.upper - domain.lower))
            let label = colorScale == .log10
                ? (tick == tick.rounded() && abs(tick) > 3 ? "1e\(Int(tick))" : SVGChart.number(pow(10, tick)))
                : SVGChart.number(tick)
            svg += SVGChart.text(label, x: left + 16, y: y + 3.5, size: 10)
        }
        return svg + swatch + "</g>"
    }
}
