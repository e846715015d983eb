import Foundation
import LoupeReport

/// Shared pieces of the SVG charts in the HTML report: text escaping, number formatting, axis
/// scales with nice ticks, frames, legends and the "no data" placeholder.
///
/// Each chart (``SVGLineChart``, ``SVGHeatmap``, ``SVGHistogram``) is a value type whose `svg`
/// property is one complete `<svg>` element meant to be inlined in an HTML page. The charts use no
/// scripts, no external assets and no `id` attributes: several charts share one document, where
/// ids would collide.
///
/// ```swift
/// let chart = SVGLineChart(title: "Loss", xLabel: "step", yLabel: "loss",
///                          series: [.init("train", x: [1, 2, 3], y: [2.3, 1.1, 0.7])])
/// let html = "<figure>\(chart.svg)</figure>"
/// ```
public enum SVGChart {
    /// Colours for series, in the order they are handed out (colour-blind-friendly Tableau 10).
    public static let palette = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#9c755f", "#76b7b2", "#edc948"]

    /// `text` made safe as element content and inside quoted attributes (``XMLText/escape(_:)``).
    public static func escape(_ text: String) -> String { XMLText.escape(text) }

    /// A value for people to read: whole numbers below 10⁷ in full (steps), others `%.4g`, and
    /// "NaN", "∞", "-∞" for non-finite values.
    public static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "-∞" }
        if value == value.rounded(), abs(value) < 1e7 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }

    /// A pixel coordinate with at most one decimal ("12.5", "-3"). Callers drop non-finite data
    /// before mapping; a non-finite value here still prints "0" so no attribute can hold "nan".
    static func px(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e9 else { return "0" }
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let whole = abs(tenths) / 10, fraction = abs(tenths) % 10
        return fraction == 0 ? (tenths == 0 ? "0" : "\(sign)\(whole)") : "\(sign)\(whole).\(fraction)"
    }

    /// Rough width of `text` at `fontSize` in a sans-serif face, for layout without measuring.
    static func textWidth(_ text: String, fontSize: Double = 11) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    /// `text` cut to `limit` characters with an ellipsis (labels that must fit a margin). `middle`
    /// keeps both ends, which tell module paths apart ("model.blocks.1…proj.linear").
    static func truncated(_ text: String, _ limit: Int, middle: Bool = false) -> String {
        guard text.count > limit else { return text }
        let kept = max(limit - 1, 2)
        return middle ? String(text.prefix(kept - kept / 2)) + "…" + String(text.suffix(kept / 2)) : String(text.prefix(kept)) + "…"
    }

    /// The opening `<svg>` tag: a viewBox so CSS can scale the chart, and the chart's title for
    /// screen readers.
    static func open(width: Double, height: Double, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(px(width)) \(px(height))\" "
            + "width=\"\(px(width))\" height=\"\(px(height))\" role=\"img\" aria-label=\"\(escape(label))\" "
            + "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"11\" fill=\"#333\">"
    }

    /// A text element; `anchor` is start, middle or end.
    static func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double? = nil,
                     weight: String? = nil, fill: String? = nil, rotate: Bool = false, halo: Bool = false) -> String {
        var attributes = "x=\"\(px(x))\" y=\"\(px(y))\""
        if anchor != "start" { attributes += " text-anchor=\"\(anchor)\"" }
        if let size { attributes += " font-size=\"\(px(size))\"" }
        if let weight { attributes += " font-weight=\"\(weight)\"" }
        if let fill { attributes += " fill=\"\(fill)\"" }
        if rotate { attributes += " transform=\"rotate(-90 \(px(x)) \(px(y)))\"" }
        // A white outline behind the glyphs keeps labels legible over lines and cells.
        if halo { attributes += " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"" }
        return "<text \(attributes)>\(escape(content))</text>"
    }

    /// The chart's title, top left.
    static func title(_ title: String) -> String {
        text(title, x: 8, y: 17, size: 13, weight: "600")
    }

    /// A whole chart that says there is nothing to draw, at the size the chart would have had.
    static func placeholder(title: String, width: Double, height: Double, message: String = "no data") -> String {
        open(width: width, height: height, label: "\(title): \(message)") + Self.title(title)
            + "<rect class=\"placeholder\" x=\"8\" y=\"28\" width=\"\(px(width - 16))\" height=\"\(px(height - 36))\" "
            + "fill=\"#fafafa\" stroke=\"#ccc\" stroke-dasharray=\"4 3\"/>"
            + text(message, x: width / 2, y: 28 + (height - 36) / 2 + 4, anchor: "middle", size: 13, fill: "#888")
            + "</svg>"
    }

    /// One legend entry: a name and how its series is drawn.
    struct LegendEntry {
        var name: String
        var color: String
        var dashed = false
        var filled = false
    }

    /// A legend laid out in rows from (`x`, `y`) within `width`; returns the SVG and its height.
    static func legend(_ entries: [LegendEntry], x: Double, y: Double, width: Double) -> (svg: String, height: Double) {
        guard !entries.isEmpty else { return ("", 0) }
        let rowHeight = 16.0
        var svg = "<g class=\"legend\">"
        var cursor = x, row = 0.0
        for entry in entries {
            let label = truncated(entry.name, 40)
            let itemWidth = 22 + textWidth(label) + 14
            if cursor > x, cursor + itemWidth > x + width { cursor = x; row += 1 }
            let midY = y + row * rowHeight + 8
            if entry.filled {
                svg += "<rect x=\"\(px(cursor))\" y=\"\(px(midY - 5))\" width=\"16\" height=\"10\" fill=\"\(entry.color)\" fill-opacity=\"0.5\"/>"
            } else {
                let dash = entry.dashed ? " stroke-dasharray=\"5 3\"" : ""
                svg += "<line x1=\"\(px(cursor))\" y1=\"\(px(midY))\" x2=\"\(px(cursor + 16))\" y2=\"\(px(midY))\" "
                    + "stroke=\"\(entry.color)\" stroke-width=\"2\"\(dash)/>"
            }
            svg += text(label, x: cursor + 22, y: midY + 4)
            cursor += itemWidth
        }
        return (svg + "</g>", (row + 1) * rowHeight)
    }

    /// Where the data goes inside a chart, in pixels.
    struct PlotArea {
        var left: Double
        var top: Double
        var right: Double
        var bottom: Double

        var width: Double { right - left }
        var height: Double { bottom - top }

        /// The area's outline; tests find the plot area through its class.
        var svg: String {
            "<rect class=\"plot\" x=\"\(px(left))\" y=\"\(px(top))\" width=\"\(px(width))\" height=\"\(px(height))\" "
                + "fill=\"none\" stroke=\"#bbb\"/>"
        }
    }

    /// Grid lines, tick labels and axis labels for a plot area with scales on both axes.
    static func axes(_ area: PlotArea, x: AxisScale, y: AxisScale, xLabel: String, yLabel: String) -> String {
        var svg = "<g class=\"axes\" stroke=\"#e6e6e6\">"
        for tick in y.ticks {
            guard let py = y.position(tick, from: area.bottom, to: area.top) else { continue }
            svg += "<line x1=\"\(px(area.left))\" y1=\"\(px(py))\" x2=\"\(px(area.right))\" y2=\"\(px(py))\"/>"
        }
        for tick in x.ticks {
            guard let pxX = x.position(tick, from: area.left, to: area.right) else { continue }
            svg += "<line x1=\"\(px(pxX))\" y1=\"\(px(area.top))\" x2=\"\(px(pxX))\" y2=\"\(px(area.bottom))\"/>"
        }
        svg += "</g><g class=\"ticks\" fill=\"#555\">"
        for tick in y.ticks {
            guard let py = y.position(tick, from: area.bottom, to: area.top) else { continue }
            svg += text(y.label(tick), x: area.left - 5, y: py + 3.5, anchor: "end")
        }
        for tick in x.ticks {
            guard let pxX = x.position(tick, from: area.left, to: area.right) else { continue }
            svg += text(x.label(tick), x: pxX, y: area.bottom + 14, anchor: "middle")
        }
        svg += "</g>"
        svg += text(xLabel, x: area.left + area.width / 2, y: area.bottom + 30, anchor: "middle", fill: "#555")
        svg += text(yLabel, x: 12, y: area.top + area.height / 2, anchor: "middle", fill: "#555", rotate: true)
        return svg
    }
}
