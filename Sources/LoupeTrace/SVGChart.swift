import Foundation

/// The inline SVG charts of ``TraceHTML``: horizontal and diverging bar charts, heatmaps, a line
/// chart and the cycle timeline, plus the number formatting and colour ramps they share.
///
/// Each chart function returns one complete `<svg>` element to inline in the page. Charts carry no
/// `id`s (a page holds dozens of them, and ids would collide), no scripts and no external
/// references; hover text is a `<title>` child, which browsers show without JavaScript. Every
/// string that reaches the markup goes through ``TraceHTML/escape(_:)``.
enum TraceSVG {
    /// Raising and lowering contributions, contributions that are not one component (the
    /// remainder, the sum of the ones not drawn), and the bar that stands out (the chosen token).
    static let positive = "#4e79a7", negative = "#e15759", neutral = "#a0a0a0", highlight = "#f28e2b"
    /// Line colours, in the order series get them (colour-blind-friendly Tableau 10).
    static let palette = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1"]

    /// One bar: its label, value and hover text; `colour` nil colours it by the value's sign.
    struct Bar {
        var label: String
        var value: Double
        var tooltip: String
        var colour: String? = nil
        /// An in-page link (`#cycle-3`) the bar leads to.
        var link: String? = nil
    }

    /// One named line of a ``lineChart(x:series:xTitle:yTitle:label:)``.
    struct Series {
        var name: String
        var values: [Double]
    }

    // MARK: Numbers

    /// A value for people to read: about three significant digits without trailing zeros, and
    /// exponent notation only where fixed notation would be unreadable.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "-∞") }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 1e6 || magnitude < 1e-3 { return String(format: "%.2e", value) }
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// A probability as a percentage ("87.3%").
    static func percent(_ probability: Double) -> String {
        number(probability * 100) + "%"
    }

    /// A pixel coordinate with at most one decimal; non-finite values print "0" so that no
    /// attribute can hold "nan" (which browsers reject, dropping the element).
    static func px(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e9 else { return "0" }
        let tenths = Int((value * 10).rounded())
        let whole = abs(tenths) / 10, fraction = abs(tenths) % 10
        let sign = tenths < 0 ? "-" : ""
        return fraction == 0 ? "\(tenths == 0 ? "" : sign)\(whole)" : "\(sign)\(whole).\(fraction)"
    }

    /// `value` within `lower ... upper`, and `lower` for NaN (Swift's min/max pass NaN through).
    static func clamp(_ value: Double, _ lower: Double, _ upper: Double) -> Double {
        value.isFinite ? Swift.min(Swift.max(value, lower), upper) : (value == .infinity ? upper : lower)
    }

    /// `text` cut to `limit` characters with an ellipsis, for labels that must fit a margin.
    static func truncated(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(Swift.max(limit - 1, 1))) + "…" : text
    }

    /// The width of a label column holding `labels` (at most 24 characters shown).
    static func labelColumn(_ labels: [String], limit: Int = 24) -> Double {
        let longest = Swift.min(labels.map(\.count).max() ?? 0, limit)
        return clamp(Double(longest) * 6.6 + 10, 36, 170)
    }

    // MARK: Colour

    /// Viridis stops: dark purple to yellow, legible in grey and to colour-blind readers.
    private static let viridis: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]
    /// Near-white to dark blue, for cells whose text must stay readable at the light end.
    private static let blues: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]

    /// The colour of a probability in the timeline: dark purple (unsure) to yellow (certain).
    static func confidence(_ t: Double) -> String { ramp(t, viridis) }

    /// The colour of an intensity in `0 ... 1` for heatmap cells and table shading.
    static func intensity(_ t: Double) -> String { ramp(t, blues) }

    /// Text colour that stays readable on ``intensity(_:)`` of `t`.
    static func ink(onIntensity t: Double) -> String { t > 0.55 ? "#fff" : "#222" }

    /// `t` in `0 ... 1` interpolated linearly between evenly spaced stops, as `#rrggbb`.
    private static func ramp(_ t: Double, _ stops: [(Double, Double, Double)]) -> String {
        let scaled = clamp(t, 0, 1) * Double(stops.count - 1)
        let i = Swift.min(Int(scaled), stops.count - 2)
        let f = scaled - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        return "#" + [(a.0, b.0), (a.1, b.1), (a.2, b.2)].map { pair -> String in
            let byte = String(Int((pair.0 + (pair.1 - pair.0) * f).rounded()), radix: 16)
            return byte.count < 2 ? "0" + byte : byte
        }.joined()
    }

    // MARK: Elements

    /// The opening tag: a viewBox so CSS can scale the chart down, and a label for screen readers.
    /// Inline SVG in HTML needs no xmlns, so the page names no URL at all.
    static func open(width: Double, height: Double, label: String) -> String {
        "<svg viewBox=\"0 0 \(px(width)) \(px(height))\" width=\"\(px(width))\" height=\"\(px(height))\" "
            + "role=\"img\" aria-label=\"\(TraceHTML.escape(label))\" font-size=\"11\">"
    }

    /// A text element; `anchor` is start, middle or end, `rotate` degrees about (x, y).
    static func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double? = nil,
                     fill: String? = nil, rotate: Double? = nil) -> String {
        var attributes = "x=\"\(px(x))\" y=\"\(px(y))\""
        if anchor != "start" { attributes += " text-anchor=\"\(anchor)\"" }
        if let size { attributes += " font-size=\"\(px(size))\"" }
        if let fill { attributes += " fill=\"\(fill)\"" }
        if let rotate { attributes += " transform=\"rotate(\(px(rotate)) \(px(x)) \(px(y)))\"" }
        return "<text \(attributes)>\(TraceHTML.escape(content))</text>"
    }

    /// A filled rectangle with hover text.
    static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, tooltip: String) -> String {
        "<rect x=\"\(px(x))\" y=\"\(px(y))\" width=\"\(px(width))\" height=\"\(px(height))\" fill=\"\(fill)\">"
            + "<title>\(TraceHTML.escape(tooltip))</title></rect>"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#999") -> String {
        "<line x1=\"\(px(x1))\" y1=\"\(px(y1))\" x2=\"\(px(x2))\" y2=\"\(px(y2))\" stroke=\"\(stroke)\"/>"
    }

    /// A colour ramp of ten swatches from `low` to `high` (a gradient would need an id).
    static func rampLegend(x: Double, y: Double, low: String, high: String, colour: (Double) -> String) -> String {
        var svg = text(low, x: x, y: y + 9, anchor: "end", size: 10, fill: "#555")
        for i in 0..<10 {
            svg += "<rect x=\"\(px(x + 4 + Double(i) * 12))\" y=\"\(px(y))\" width=\"12\" height=\"10\" fill=\"\(colour((Double(i) + 0.5) / 10))\"/>"
        }
        return svg + text(high, x: x + 128, y: y + 9, size: 10, fill: "#555")
    }

    // MARK: Scales

    /// A value axis with round ticks: linear from a round lower bound, or logarithmic (powers of
    /// ten) when positive data span more than two decades and a linear axis would flatten most of it.
    struct Scale {
        var lower: Double
        var upper: Double
        var logarithmic = false
        var ticks: [Double]

        init(_ values: [Double], allowLog: Bool = false) {
            let finite = values.filter(\.isFinite)
            let lo = finite.min() ?? 0, hi = finite.max() ?? 1
            if allowLog, lo > 0, hi / lo > 100 {
                let a = (Foundation.log10(lo)).rounded(.down), b = (Foundation.log10(hi)).rounded(.up)
                lower = a
                upper = b
                logarithmic = true
                let step = Swift.max(1, Int(((b - a) / 5).rounded(.up)))
                ticks = stride(from: Int(a), through: Int(b), by: step).map { Foundation.pow(10, Double($0)) }
                return
            }
            let low = Swift.min(lo, 0), high = Swift.max(hi, low)
            let step = Scale.niceStep((high - low) / 4)
            lower = (low / step).rounded(.down) * step
            upper = Swift.max((high / step).rounded(.up) * step, lower + step)
            ticks = stride(from: lower, through: upper + step / 2, by: step).map { $0 }
        }

        /// 1, 2 or 5 times a power of ten, at least `raw`.
        static func niceStep(_ raw: Double) -> Double {
            guard raw.isFinite, raw > 0 else { return 1 }
            let power = Foundation.pow(10, Foundation.log10(raw).rounded(.down))
            let fraction = raw / power
            return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
        }

        /// Where `value` lies between the ends, 0 ... 1 (clamped).
        func fraction(_ value: Double) -> Double {
            let v = logarithmic ? (value > 0 ? Foundation.log10(value) : lower) : value
            return upper > lower ? clamp((v - lower) / (upper - lower), 0, 1) : 0
        }
    }

    /// Tick labels and grid lines of `scale` along a vertical axis at `x` (labels on the side `anchor` says).
    static func verticalAxis(_ scale: Scale, x: Double, top: Double, height: Double, anchor: String, grid: Double? = nil) -> String {
        var svg = ""
        for tick in scale.ticks {
            let y = top + height * (1 - scale.fraction(tick))
            if let grid { svg += line(x, y, grid, y, stroke: "#eee") }
            svg += text(number(tick), x: anchor == "end" ? x - 4 : x + 4, y: y + 3.5, anchor: anchor, size: 10, fill: "#555")
        }
        return svg
    }

    /// Every how many labels to print so that neighbours stay `minimum` pixels apart.
    static func labelStep(spacing: Double, minimum: Double) -> Int {
        spacing >= minimum || spacing <= 0 ? 1 : Int((minimum / spacing).rounded(.up))
    }
}

// MARK: - Charts

extension TraceSVG {
    /// Bars growing right from a label column, scaled so `maximum` fills the bar area; each
    /// value printed after its bar by `format`.
    static func horizontalBars(_ bars: [Bar], label: String, maximum: Double, format: (Double) -> String) -> String {
        let row = 18.0, area = 260.0, valueWidth = 56.0
        let labels = labelColumn(bars.map(\.label))
        let scale = maximum > 0 && maximum.isFinite ? area / maximum : 0
        var svg = open(width: labels + area + valueWidth, height: Double(bars.count) * row + 8, label: label)
        for (i, bar) in bars.enumerated() {
            let y = 4 + Double(i) * row
            let width = clamp(bar.value * scale, 0, area)
            svg += text(truncated(bar.label, 24), x: labels - 6, y: y + 13, anchor: "end")
            svg += rect(x: labels, y: y + 2, width: width, height: row - 4, fill: bar.colour ?? positive, tooltip: bar.tooltip)
            svg += text(format(bar.value), x: labels + width + 4, y: y + 13, size: 10, fill: "#555")
        }
        return svg + "</svg>"
    }

    /// Bars left (negative) and right (positive) of a zero line, scaled to the largest |value|;
    /// the margins beyond each half hold the printed values of full-length bars.
    static func divergingBars(_ bars: [Bar], label: String) -> String {
        let row = 18.0, half = 170.0, margin = 52.0, top = 18.0
        let labels = labelColumn(bars.map(\.label))
        let zero = labels + margin + half
        let biggest = bars.map { abs($0.value) }.filter(\.isFinite).max() ?? 0
        let scale = biggest > 0 ? half / biggest : 0
        let height = top + Double(bars.count) * row + 4
        var svg = open(width: zero + half + margin, height: height, label: label)
        svg += text("← lowers", x: zero - 6, y: 11, anchor: "end", size: 10, fill: negative)
        svg += text("raises →", x: zero + 6, y: 11, size: 10, fill: positive)
        for (i, bar) in bars.enumerated() {
            let y = top + Double(i) * row
            let width = clamp(abs(bar.value) * scale, 0, half)
            let up = !(bar.value < 0)
            svg += text(truncated(bar.label, 24), x: labels - 6, y: y + 13, anchor: "end")
            svg += rect(x: up ? zero : zero - width, y: y + 2, width: width, height: row - 4,
                        fill: bar.colour ?? (up ? positive : negative), tooltip: bar.tooltip)
            svg += text(number(bar.value), x: up ? zero + width + 4 : zero - width - 4, y: y + 13,
                        anchor: up ? "start" : "end", size: 10, fill: "#555")
        }
        return svg + line(zero, top - 2, zero, height, stroke: "#555") + "</svg>"
    }

    /// One heatmap cell: its fill and hover text.
    struct Cell {
        var colour: String
        var tooltip: String
    }

    /// A grid of cells (`cells[row][column]`, nil drawn empty) with labelled rows and columns and
    /// a colour-ramp legend.
    struct Heatmap {
        var label: String
        var rowTitle: String
        var columnTitle: String
        var rowLabels: [String]
        var columnLabels: [String]
        var cells: [[Cell?]]
        var legendLow: String
        var legendHigh: String
        var colour: (Double) -> String
    }

    /// Cells shrink with the number of columns (down to 3 px; wide maps scroll in their panel) and
    /// labels thin out so they never overlap; column labels turn 60° when they don't fit flat.
    static func heatmap(_ map: Heatmap) -> String {
        let rows = map.rowLabels.count, columns = map.columnLabels.count
        let cellWidth = clamp(560 / Double(Swift.max(columns, 1)), 3, 28)
        let cellHeight = clamp(320 / Double(Swift.max(rows, 1)), 6, 18)
        let left = 18 + labelColumn(map.rowLabels, limit: 10), top = 6.0
        let gridWidth = cellWidth * Double(columns), gridHeight = cellHeight * Double(rows)
        let columnChars = Double(Swift.min(map.columnLabels.map(\.count).max() ?? 0, 12))
        let rotated = cellWidth < columnChars * 6 + 4
        let columnLabelHeight = rotated ? columnChars * 4.8 + 10 : 16
        let titleY = top + gridHeight + columnLabelHeight + 12
        let width = Swift.max(left + gridWidth + 12, left + 230)
        // Crisp edges: anti-aliasing would draw hairline seams between cells of fractional size.
        var svg = open(width: width, height: titleY + 30, label: map.label) + "<g shape-rendering=\"crispEdges\">"
        for (r, cells) in map.cells.prefix(rows).enumerated() {
            for (c, cell) in cells.prefix(columns).enumerated() {
                guard let cell else { continue }
                svg += rect(x: left + Double(c) * cellWidth, y: top + Double(r) * cellHeight, width: cellWidth,
                            height: cellHeight, fill: cell.colour, tooltip: cell.tooltip)
            }
        }
        svg += "</g><rect x=\"\(px(left))\" y=\"\(px(top))\" width=\"\(px(gridWidth))\" height=\"\(px(gridHeight))\" fill=\"none\" stroke=\"#ccc\"/>"
        let rowStep = labelStep(spacing: cellHeight, minimum: 10)
        for (r, label) in map.rowLabels.enumerated() where r % rowStep == 0 {
            svg += text(truncated(label, 10), x: left - 4, y: top + (Double(r) + 0.5) * cellHeight + 3.5, anchor: "end", size: 10)
        }
        let columnStep = labelStep(spacing: cellWidth, minimum: 11)
        for (c, label) in map.columnLabels.enumerated() where c % columnStep == 0 {
            let x = left + (Double(c) + 0.5) * cellWidth
            svg += rotated
                ? text(truncated(label, 12), x: x + 3, y: top + gridHeight + 8, anchor: "end", size: 10, rotate: -60)
                : text(label, x: x, y: top + gridHeight + 13, anchor: "middle", size: 10)
        }
        svg += text(map.rowTitle, x: 10, y: top + gridHeight / 2, anchor: "middle", fill: "#555", rotate: -90)
        svg += text(map.columnTitle, x: left + gridWidth / 2, y: titleY, anchor: "middle", fill: "#555")
        svg += rampLegend(x: left + 40, y: titleY + 8, low: map.legendLow, high: map.legendHigh, colour: map.colour)
        return svg + "</svg>"
    }

    /// Lines over labelled x positions, with a point per value carrying its hover text. The y
    /// axis turns logarithmic when the values span more than two decades.
    static func lineChart(x: [String], series: [Series], xTitle: String, yTitle: String, label: String) -> String {
        let left = 52.0, top = 10.0, plotHeight = 150.0
        let plotWidth = clamp(Double(x.count) * 18, 280, 520)
        let scale = Scale(series.flatMap(\.values), allowLog: true)
        let spacing = x.count > 1 ? plotWidth / Double(x.count - 1) : 0
        func point(_ i: Int, _ value: Double) -> (Double, Double) {
            (left + (x.count > 1 ? spacing * Double(i) : plotWidth / 2), top + plotHeight * (1 - scale.fraction(value)))
        }
        let bottom = top + plotHeight
        var svg = open(width: left + plotWidth + 16, height: bottom + 52, label: label)
        svg += verticalAxis(scale, x: left, top: top, height: plotHeight, anchor: "end", grid: left + plotWidth)
        svg += line(left, bottom, left + plotWidth, bottom, stroke: "#999")
        let step = labelStep(spacing: spacing, minimum: 22)
        for (i, name) in x.enumerated() where i % step == 0 {
            svg += text(name, x: point(i, 0).0, y: bottom + 13, anchor: "middle", size: 10, fill: "#555")
        }
        svg += text(xTitle, x: left + plotWidth / 2, y: bottom + 27, anchor: "middle", fill: "#555")
        svg += text(yTitle + (scale.logarithmic ? " (log)" : ""), x: 12, y: top + plotHeight / 2, anchor: "middle", fill: "#555", rotate: -90)
        for (s, series) in series.enumerated() {
            let colour = palette[s % palette.count]
            let points = series.values.enumerated().filter { $0.element.isFinite }.map { point($0.offset, $0.element) }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\""
                + points.map { "\(px($0.0)),\(px($0.1))" }.joined(separator: " ") + "\"/>"
            for (i, value) in series.values.enumerated() where value.isFinite {
                let (cx, cy) = point(i, value)
                svg += "<circle cx=\"\(px(cx))\" cy=\"\(px(cy))\" r=\"2.5\" fill=\"\(colour)\"><title>"
                    + TraceHTML.escape("\(i < x.count ? x[i] : "\(i)") · \(series.name) \(number(value))") + "</title></circle>"
            }
            let legendX = left + Double(s) * 90
            svg += line(legendX, bottom + 43, legendX + 16, bottom + 43, stroke: colour)
            svg += text(series.name, x: legendX + 20, y: bottom + 47, size: 10)
        }
        return svg + "</svg>"
    }

    /// One bar per cycle (height on the left axis, fill chosen by the caller) under a polyline on
    /// its own right axis; each bar links to its cycle's section.
    static func timeline(_ bars: [Bar], line values: [Double], lineName: String, label: String) -> String {
        let left = 52.0, right = 56.0, top = 12.0, plotHeight = 160.0
        let plotWidth = clamp(Double(bars.count) * 14, 320, 900)
        let slot = plotWidth / Double(Swift.max(bars.count, 1))
        let barScale = Scale(bars.map(\.value)), lineScale = Scale(values)
        let bottom = top + plotHeight
        var svg = open(width: left + plotWidth + right, height: bottom + 58, label: label)
        svg += verticalAxis(barScale, x: left, top: top, height: plotHeight, anchor: "end", grid: left + plotWidth)
        svg += verticalAxis(lineScale, x: left + plotWidth, top: top, height: plotHeight, anchor: "start")
        for (i, bar) in bars.enumerated() {
            let height = plotHeight * barScale.fraction(bar.value), width = Swift.max(1, slot * 0.8)
            let shape = rect(x: left + Double(i) * slot + (slot - width) / 2, y: bottom - height, width: width,
                             height: height, fill: bar.colour ?? positive, tooltip: bar.tooltip)
            svg += bar.link.map { "<a href=\"\(TraceHTML.escape($0))\">\(shape)</a>" } ?? shape
        }
        let points = values.enumerated().filter { $0.element.isFinite }.map { i, value in
            "\(px(left + (Double(i) + 0.5) * slot)),\(px(top + plotHeight * (1 - lineScale.fraction(value))))"
        }
        svg += "<polyline fill=\"none\" stroke=\"\(negative)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>"
        svg += line(left, bottom, left + plotWidth, bottom, stroke: "#999")
        let step = labelStep(spacing: slot, minimum: 24)
        for (i, bar) in bars.enumerated() where i % step == 0 {
            svg += text(bar.label, x: left + (Double(i) + 0.5) * slot, y: bottom + 13, anchor: "middle", size: 10, fill: "#555")
        }
        svg += text("cycle", x: left + plotWidth / 2, y: bottom + 27, anchor: "middle", fill: "#555")
        svg += text("milliseconds", x: 12, y: top + plotHeight / 2, anchor: "middle", fill: "#555", rotate: -90)
        svg += text(lineName, x: left + plotWidth + right - 8, y: top + plotHeight / 2, anchor: "middle", fill: negative, rotate: 90)
        svg += rampLegend(x: left + 80, y: bottom + 38, low: "bar: chosen p 0", high: "1", colour: confidence)
        svg += line(left + 250, bottom + 43, left + 266, bottom + 43, stroke: negative)
        svg += text(lineName, x: left + 270, y: bottom + 47, size: 10)
        return svg + "</svg>"
    }
}
