import Foundation

/// The elements Loupe's inline SVG charts are built from: the opening tag, text, rectangles,
/// lines, a title and the "no data" placeholder.
///
/// Every chart (``LineChart``, ``Heatmap``, ``Histogram``, ``BarChart``, ``TimelineChart``) is
/// one complete `<svg>` element meant to be inlined in an HTML page. Charts use no scripts, no
/// external references (not even the SVG namespace URL, which inline SVG in HTML does not need)
/// and no `id` attributes: a page holds dozens of charts, where ids would collide. Hover text is
/// a `<title>` child, which browsers show without JavaScript.
///
/// Two rules hold for every element here, whatever the caller passes:
/// - text goes through ``XMLText/escape(_:)``;
/// - coordinates go through ``px(_:)``, so no attribute can hold "nan" or "inf" (browsers drop
///   an element whose coordinates do not parse, and the chart silently loses a bar or a line).
///
/// ```swift
/// var svg = SVG.open(width: 200, height: 40, label: "A bar")
/// svg += SVG.rect(x: 10, y: 10, width: 120, height: 20, fill: Palette.positive, tooltip: "120 ms")
/// svg += SVG.text("120 ms", x: 134, y: 24, size: 10)
/// svg += "</svg>"
/// ```
public enum SVG {
    /// Where a text element's `x` sits in the text: its start, middle or end.
    public enum TextAnchor: String, Sendable {
        case start, middle, end
    }

    /// How a line is drawn.
    public enum Stroke: Sendable {
        case solid
        /// Long dashes: a reference or secondary series.
        case dashed
        /// Short dashes: markers and guides that must not read as data.
        case dotted

        var dashArray: String? {
            switch self {
            case .solid: nil
            case .dashed: "5 3"
            case .dotted: "3 3"
            }
        }
    }

    /// The font every chart uses (the pages' own sans-serif face).
    public static let fontFamily = "system-ui, -apple-system, 'Segoe UI', sans-serif"

    /// A pixel coordinate with at most one decimal ("12.5", "-3"). Non-finite and absurdly large
    /// values print "0": charts drop unusable data before mapping it, and this is the last guard.
    public static func px(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e9 else { return "0" }
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let whole = abs(tenths) / 10, fraction = abs(tenths) % 10
        if fraction == 0 { return tenths == 0 ? "0" : "\(sign)\(whole)" }
        return "\(sign)\(whole).\(fraction)"
    }

    /// `value` within `lower ... upper`; NaN becomes `lower` (Swift's `min` and `max` pass NaN through).
    public static func clamp(_ value: Double, _ lower: Double, _ upper: Double) -> Double {
        value.isNaN ? lower : Swift.min(Swift.max(value, lower), upper)
    }

    /// Rough width of `text` at `fontSize` in a sans-serif face, for layout without measuring.
    public static func textWidth(_ text: String, fontSize: Double = 11) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    /// `text` cut to `limit` characters with an ellipsis, for labels that must fit a margin.
    /// `middle` keeps both ends, which tell module paths apart ("model.blocks.1…proj.linear").
    public static func truncated(_ text: String, _ limit: Int, middle: Bool = false) -> String {
        guard text.count > limit else { return text }
        let kept = Swift.max(limit - 1, 2)
        guard middle else { return String(text.prefix(kept)) + "…" }
        return String(text.prefix(kept - kept / 2)) + "…" + String(text.suffix(kept / 2))
    }

    /// The opening `<svg>` tag: a viewBox so CSS can scale the chart, and `label` as its
    /// accessible name for screen readers.
    public static func open(width: Double, height: Double, label: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 \(px(width)) \(px(height))\" width=\"\(px(width))\" height=\"\(px(height))\" "
            + "role=\"img\" aria-label=\"\(XMLText.escape(label))\" font-family=\"\(fontFamily)\" font-size=\"11\" fill=\"#333\">"
    }

    /// A text element at (`x`, `y`), the baseline.
    ///
    /// - Parameters:
    ///   - rotation: degrees clockwise about (`x`, `y`); -90 reads bottom to top (a y-axis title).
    ///   - halo: a white outline behind the glyphs, which keeps a label legible over lines and cells.
    public static func text(_ content: String, x: Double, y: Double, anchor: TextAnchor = .start, size: Double? = nil,
                            bold: Bool = false, fill: String? = nil, rotation: Double? = nil, halo: Bool = false) -> String {
        var attributes = "x=\"\(px(x))\" y=\"\(px(y))\""
        if anchor != .start { attributes += " text-anchor=\"\(anchor.rawValue)\"" }
        if let size { attributes += " font-size=\"\(px(size))\"" }
        if bold { attributes += " font-weight=\"600\"" }
        if let fill { attributes += " fill=\"\(XMLText.escape(fill))\"" }
        if let rotation { attributes += " transform=\"rotate(\(px(rotation)) \(px(x)) \(px(y)))\"" }
        if halo { attributes += " stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"" }
        return "<text \(attributes)>\(XMLText.escape(content))</text>"
    }

    /// A filled rectangle; `tooltip` becomes its hover text. A negative width or height draws nothing.
    public static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, opacity: Double? = nil,
                            tooltip: String? = nil) -> String {
        var element = "<rect x=\"\(px(x))\" y=\"\(px(y))\" width=\"\(px(Swift.max(width, 0)))\" "
            + "height=\"\(px(Swift.max(height, 0)))\" fill=\"\(XMLText.escape(fill))\""
        if let opacity { element += " fill-opacity=\"\(String(format: "%.2g", clamp(opacity, 0, 1)))\"" }
        guard let tooltip else { return element + "/>" }
        return element + "><title>\(XMLText.escape(tooltip))</title></rect>"
    }

    /// A straight line from (`x1`, `y1`) to (`x2`, `y2`).
    public static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#999",
                            width: Double? = nil, style: Stroke = .solid) -> String {
        var element = "<line x1=\"\(px(x1))\" y1=\"\(px(y1))\" x2=\"\(px(x2))\" y2=\"\(px(y2))\" stroke=\"\(XMLText.escape(stroke))\""
        if let width { element += " stroke-width=\"\(px(width))\"" }
        if let dash = style.dashArray { element += " stroke-dasharray=\"\(dash)\"" }
        return element + "/>"
    }

    /// The `d` attribute of a path through `points`: a nil point (a value the axis cannot show)
    /// breaks the line there, and a run of one point draws nothing (charts mark it with a dot).
    public static func pathData(_ points: [(x: Double, y: Double)?]) -> String {
        var d = "", run: [(x: Double, y: Double)] = []
        for point in points + [nil] {
            if let point { run.append(point); continue }
            if run.count > 1 { d += "M" + run.map { "\(px($0.x)),\(px($0.y))" }.joined(separator: " L") }
            run = []
        }
        return d
    }

    /// A chart's title, top left, in the chart's top 28 pixels.
    public static func title(_ title: String) -> String {
        text(title, x: 8, y: 17, size: 13, bold: true)
    }

    /// A whole chart that says there is nothing to draw, at the size the chart would have had, so
    /// a page keeps one layout whether or not a run recorded the data.
    public static func placeholder(title: String, width: Double, height: Double, message: String = "no data") -> String {
        open(width: width, height: height, label: "\(title): \(message)") + Self.title(title)
            + "<rect class=\"placeholder\" x=\"8\" y=\"28\" width=\"\(px(width - 16))\" height=\"\(px(height - 36))\" "
            + "fill=\"#fafafa\" stroke=\"#ccc\" stroke-dasharray=\"4 3\"/>"
            + text(message, x: width / 2, y: 28 + (height - 36) / 2 + 4, anchor: .middle, size: 13, fill: "#888")
            + "</svg>"
    }
}
