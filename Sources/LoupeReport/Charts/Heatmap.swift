import Foundation

/// A heatmap: one row per label (a layer), one column per step or category (a head, a token
/// position), each cell coloured by its value through a ``ColorRamp``, with a colour bar and hover
/// text per cell. `valueLabel` captions the colour bar.
///
/// Non-finite cells (not measured, or NaN/∞) and cells past the end of a short row are grey, and
/// the colour bar then shows the grey swatch too. On the log10 colour scale, values ≤ 0 take the
/// lowest colour. With no rows or no columns the chart is a "no data" placeholder.
///
/// Cells stretch to fill `width`, up to `maxCellWidth`; they never shrink below 3 pixels, so a
/// map with more columns than fit grows wider than `width` (the page lets it scroll), unless
/// `maxColumns` thins the columns to evenly spaced ones.
///
/// ```swift
/// let map = Heatmap(title: "Gradient norm", rowLabels: ["layers.0", "layers.2"], columns: .numeric([1, 2, 3]),
///                   values: [[1e-3, 1e-2, .nan], [0.5, 1, 2]], valueLabel: "‖∇W‖")
/// let html = "<figure>\(map.svg)</figure>"
/// ```
public struct Heatmap: Sendable {
    /// How a value maps to a position on the ramp.
    public enum ColorScale: Sendable, Equatable {
        /// By log10 of the value, over the range of the positive finite values.
        case log10
        /// Linearly, `lower` at the ramp's start and `upper` at its end (values beyond take the
        /// end colours). `lower` may exceed `upper`: the ramp then runs from high values to low.
        case linear(lower: Double, upper: Double)
    }

    /// What the columns are.
    public enum Columns: Sendable {
        /// Numbers along a continuous axis (sampled steps): about six of them labelled.
        case numeric([Double])
        /// Named columns (heads, token positions): as many labelled as fit, turned 60° when they
        /// are wider than a cell.
        case categories([String])

        var count: Int {
            switch self {
            case let .numeric(values): values.count
            case let .categories(labels): labels.count
            }
        }

        func label(_ column: Int) -> String {
            switch self {
            case let .numeric(values): NumberText.readable(values[column])
            case let .categories(labels): labels[column]
            }
        }
    }

    /// The chart's accessible name, and shown top left when `showsTitle`.
    public var title: String
    /// One label per row, drawn left of it (middle-truncated when long; hover text keeps it whole).
    public var rowLabels: [String]
    public var columns: Columns
    /// `values[row][column]`; a short row is padded with NaN.
    public var values: [[Double]]
    /// Hover text per cell, `tooltips[row][column]`; where absent, the row, column and value.
    public var tooltips: [[String]]
    public var colorScale: ColorScale
    public var ramp: ColorRamp
    /// What the rows are ("layer"), up the left edge; empty for none.
    public var rowTitle: String
    /// What the columns are ("step"), under the column labels and in the hover text.
    public var columnTitle: String
    /// What the values are, for the hover text and the colour bar.
    public var valueLabel: String
    /// False where the page already titles the chart (a panel heading).
    public var showsTitle: Bool
    /// Width in pixels of the viewBox the cells stretch to fill; the height follows from the rows.
    public var width: Double
    /// The widest a cell gets: narrow maps stay compact instead of stretching to `width`.
    public var maxCellWidth: Double
    /// Beyond this many columns, evenly spaced ones are shown (first and last included).
    public var maxColumns: Int

    public init(title: String, rowLabels: [String], columns: Columns, values: [[Double]], tooltips: [[String]] = [],
                colorScale: ColorScale = .log10, ramp: ColorRamp = .viridis, rowTitle: String = "", columnTitle: String = "step",
                valueLabel: String, showsTitle: Bool = true, width: Double = 720, maxCellWidth: Double = .infinity,
                maxColumns: Int = .max) {
        (self.title, self.rowLabels, self.columns, self.values, self.tooltips) = (title, rowLabels, columns, values, tooltips)
        (self.colorScale, self.ramp, self.rowTitle, self.columnTitle) = (colorScale, ramp, rowTitle, columnTitle)
        (self.valueLabel, self.showsTitle, self.width) = (valueLabel, showsTitle, width)
        (self.maxCellWidth, self.maxColumns) = (maxCellWidth, maxColumns)
    }

    /// The chart as one `<svg>` element.
    public var svg: String {
        guard !rowLabels.isEmpty, columns.count > 0 else { return SVG.placeholder(title: title, width: width, height: 160) }
        let shown = shownColumns()
        // Rows shrink as layers multiply, but stay tall enough to hover; labels thin out below 10 px.
        let rowHeight = SVG.clamp(360 / Double(rowLabels.count), 6, 20)
        let fontSize = rowHeight >= 10 ? Swift.min(11, rowHeight - 1) : 9
        let labels = rowLabels.map { SVG.truncated($0, 36, middle: true) }
        let labelWidth = labels.map { SVG.textWidth($0, fontSize: fontSize) }.max() ?? 0
        let left = 8 + (rowTitle.isEmpty ? 0 : 16) + labelWidth + 6, colorBarWidth = 90.0
        let cellWidth = SVG.clamp((width - left - colorBarWidth) / Double(shown.count), 3, Swift.max(maxCellWidth, 3))
        // Room above the grid for the title, or at least for the colour bar's caption.
        let top = showsTitle ? 30.0 : 20
        let area = PlotArea(left: left, top: top, right: left + cellWidth * Double(shown.count),
                            bottom: top + rowHeight * Double(rowLabels.count))
        let (columnLabels, columnLabelHeight) = self.columnLabels(shown, area: area, cellWidth: cellWidth)
        let barHeight = Swift.max(area.height, 90)
        let height = Swift.max(area.bottom + columnLabelHeight + (columnTitle.isEmpty ? 0 : 16) + 8, area.top + barHeight + 6)
        let domain = colorDomain()

        var svg = SVG.open(width: area.right + colorBarWidth, height: height, label: title) + (showsTitle ? SVG.title(title) : "")
        var missing = false
        // Crisp edges: anti-aliasing would draw hairline seams between cells of fractional size.
        svg += "<g class=\"cells\" shape-rendering=\"crispEdges\">"
        for (r, label) in rowLabels.enumerated() {
            let y = area.top + Double(r) * rowHeight
            for (c, column) in shown.enumerated() {
                let value = r < values.count && column < values[r].count ? values[r][column] : .nan
                let fill = color(value, domain)
                missing = missing || fill == Palette.missing
                let tip = r < tooltips.count && column < tooltips[r].count ? tooltips[r][column]
                    : "\(label) · \(columnTitle) \(columns.label(column)): \(valueLabel) = \(NumberText.readable(value))"
                svg += SVG.rect(x: area.left + Double(c) * cellWidth, y: y, width: cellWidth + 0.4, height: rowHeight,
                                fill: fill, tooltip: tip)
            }
        }
        svg += "</g><g class=\"rows\" fill=\"#444\">"
        let rowStep = PlotArea.labelStep(spacing: rowHeight, minimum: 10)
        for (r, label) in labels.enumerated() where r % rowStep == 0 {
            svg += SVG.text(label, x: area.left - 5, y: area.top + (Double(r) + 0.5) * rowHeight + fontSize * 0.35,
                            anchor: .end, size: fontSize)
        }
        svg += "</g>" + area.outline + columnLabels
        if !columnTitle.isEmpty {
            svg += SVG.text(columnTitle, x: area.left + area.width / 2, y: area.bottom + columnLabelHeight + 13, anchor: .middle, fill: "#555")
        }
        if !rowTitle.isEmpty {
            svg += SVG.text(rowTitle, x: 12, y: area.top + area.height / 2, anchor: .middle, fill: "#555", rotation: -90)
        }
        svg += colorBar(domain, left: area.right + 12, top: area.top, height: barHeight, missing: missing)
        svg += SVG.text(SVG.truncated(valueLabel, 30), x: area.right + colorBarWidth - 4, y: area.top - 10, anchor: .end,
                        size: 10, fill: "#555")
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
            guard lower.isFinite, upper.isFinite, lower != upper else { return nil }
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

    /// Where `value` falls on the ramp, 0...1, or nil for a value with no colour.
    func rampPosition(_ value: Double, _ domain: (lower: Double, upper: Double)?) -> Double? {
        guard value.isFinite, let domain else { return nil }
        let scaled = colorScale == .log10 ? (value > 0 ? Foundation.log10(value) : -.infinity) : value
        return SVG.clamp((scaled - domain.lower) / (domain.upper - domain.lower), 0, 1)
    }

    private func color(_ value: Double, _ domain: (lower: Double, upper: Double)?) -> String {
        rampPosition(value, domain).map(ramp.color(at:)) ?? Palette.missing
    }

    /// The column labels under the grid, and how tall they stand.
    private func columnLabels(_ shown: [Int], area: PlotArea, cellWidth: Double) -> (svg: String, height: Double) {
        var svg = "<g class=\"ticks\" fill=\"#555\">"
        switch columns {
        case .numeric:
            // About six labels, evenly spaced, the first and last columns included.
            let count = Swift.min(shown.count, 6)
            let picks = count == 1 ? [0] : (0..<count).map { Int((Double($0) * Double(shown.count - 1) / Double(count - 1)).rounded()) }
            for c in picks {
                svg += SVG.text(columns.label(shown[c]), x: area.left + (Double(c) + 0.5) * cellWidth, y: area.bottom + 14, anchor: .middle)
            }
            return (svg + "</g>", 18)
        case .categories:
            let texts = shown.map { SVG.truncated(columns.label($0), 12) }
            let longest = Double(texts.map(\.count).max() ?? 0)
            let rotated = cellWidth < longest * 6 + 4
            let step = PlotArea.labelStep(spacing: cellWidth, minimum: 11)
            for (c, text) in texts.enumerated() where c % step == 0 {
                let x = area.left + (Double(c) + 0.5) * cellWidth
                svg += rotated
                    ? SVG.text(text, x: x + 3, y: area.bottom + 8, anchor: .end, size: 10, rotation: -60)
                    : SVG.text(text, x: x, y: area.bottom + 13, anchor: .middle, size: 10)
            }
            return (svg + "</g>", rotated ? longest * 4.8 + 10 : 16)
        }
    }

    /// A vertical colour bar (stacked bands: a gradient would need an id) with ticks, and the grey
    /// swatch when some cell is `missing`.
    private func colorBar(_ domain: (lower: Double, upper: Double)?, left: Double, top: Double, height: Double,
                          missing: Bool) -> String {
        var svg = "<g class=\"colorbar\">"
        if missing || domain == nil {
            svg += SVG.rect(x: left, y: top + height - 10, width: 12, height: 10, fill: Palette.missing)
                + SVG.text("n/a", x: left + 16, y: top + height - 1, size: 10)
        }
        guard let domain else { return svg + "</g>" }
        let barHeight = height - 16, bands = 32
        svg += "<g shape-rendering=\"crispEdges\">"
        for band in 0..<bands {
            let y = top + barHeight * Double(bands - 1 - band) / Double(bands)
            svg += SVG.rect(x: left, y: y, width: 12, height: barHeight / Double(bands) + 0.4,
                            fill: ramp.color(at: (Double(band) + 0.5) / Double(bands)))
        }
        svg += "</g>"
        var ticks = AxisScale(covering: [domain.lower, domain.upper], log: false, nice: false, targetTicks: 6)?.ticks ?? []
        // A log scale is labelled at whole decades ("0.001", not "0.0003162") where two or more fall in it.
        let decades = ticks.filter { $0 == $0.rounded() }
        if colorScale == .log10, decades.count >= 2 { ticks = decades }
        for tick in ticks {
            let y = top + barHeight * (1 - (tick - domain.lower) / (domain.upper - domain.lower))
            let label = colorScale == .log10
                ? (tick == tick.rounded() && abs(tick) > 3 ? "1e\(Int(tick))" : NumberText.readable(pow(10, tick)))
                : NumberText.readable(tick)
            svg += SVG.text(label, x: left + 16, y: y + 3.5, size: 10)
        }
        return svg + "</g>"
    }
}
