/// Where the data goes inside a chart, in pixels, and the axes drawn around it: grid lines,
/// tick labels (numeric or one per category) and axis titles.
///
/// ```swift
/// let area = PlotArea(left: 50, top: 30, right: 700, bottom: 260)
/// let x = AxisScale(covering: steps, log: false)!, y = AxisScale(covering: losses, log: true)!
/// svg += area.axes(x: x, y: y, xTitle: "step", yTitle: "loss") + area.outline
/// ```
public struct PlotArea: Sendable {
    public var left: Double
    public var top: Double
    public var right: Double
    public var bottom: Double

    /// Which side of the plot a vertical axis's labels stand on.
    public enum Side: Sendable {
        case left, right
    }

    public init(left: Double, top: Double, right: Double, bottom: Double) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
    }

    public var width: Double { right - left }
    public var height: Double { bottom - top }

    /// The area's outline. Tests find the plot area through its class.
    public var outline: String {
        "<rect class=\"plot\" x=\"\(SVG.px(left))\" y=\"\(SVG.px(top))\" width=\"\(SVG.px(width))\" height=\"\(SVG.px(height))\" "
            + "fill=\"none\" stroke=\"#bbb\"/>"
    }

    /// The pixel row of `value` on `y` (bottom edge at `lower`), nil where the axis cannot show it.
    public func y(_ value: Double, on scale: AxisScale) -> Double? {
        scale.position(value, from: bottom, to: top)
    }

    /// The pixel column of `value` on `x` (left edge at `lower`), nil where the axis cannot show it.
    public func x(_ value: Double, on scale: AxisScale) -> Double? {
        scale.position(value, from: left, to: right)
    }

    /// Grid lines, tick labels and both axis titles, for a plot with numeric scales on both axes.
    public func axes(x: AxisScale, y: AxisScale, xTitle: String, yTitle: String) -> String {
        grid(x: x, y: y) + xTickLabels(x) + yTickLabels(y) + titles(x: xTitle, y: yTitle)
    }

    /// Light lines across the plot at each tick of `x` (vertical) and `y` (horizontal).
    public func grid(x: AxisScale? = nil, y: AxisScale?) -> String {
        var svg = "<g class=\"axes\" stroke=\"#e6e6e6\">"
        for tick in y?.ticks ?? [] {
            guard let scale = y, let py = self.y(tick, on: scale) else { continue }
            svg += "<line x1=\"\(SVG.px(left))\" y1=\"\(SVG.px(py))\" x2=\"\(SVG.px(right))\" y2=\"\(SVG.px(py))\"/>"
        }
        for tick in x?.ticks ?? [] {
            guard let scale = x, let px = self.x(tick, on: scale) else { continue }
            svg += "<line x1=\"\(SVG.px(px))\" y1=\"\(SVG.px(top))\" x2=\"\(SVG.px(px))\" y2=\"\(SVG.px(bottom))\"/>"
        }
        return svg + "</g>"
    }

    /// The labels of `scale`'s ticks beside a vertical axis on `side`, in `color`.
    public func yTickLabels(_ scale: AxisScale, side: Side = .left, color: String = "#555") -> String {
        var svg = "<g class=\"ticks\">"
        for tick in scale.ticks {
            guard let py = y(tick, on: scale) else { continue }
            svg += side == .left
                ? SVG.text(scale.label(tick), x: left - 5, y: py + 3.5, anchor: .end, fill: color)
                : SVG.text(scale.label(tick), x: right + 5, y: py + 3.5, fill: color)
        }
        return svg + "</g>"
    }

    /// The labels of `scale`'s ticks under the plot.
    public func xTickLabels(_ scale: AxisScale) -> String {
        var svg = "<g class=\"ticks\" fill=\"#555\">"
        for tick in scale.ticks {
            guard let px = x(tick, on: scale) else { continue }
            svg += SVG.text(scale.label(tick), x: px, y: bottom + 14, anchor: .middle)
        }
        return svg + "</g>"
    }

    /// One label per category under the plot, centred on `center(i)`, every few categories
    /// when they stand closer than a label needs.
    public func categoryLabels(_ labels: [String], spacing: Double, center: (Int) -> Double) -> String {
        let widest = labels.map { SVG.textWidth(SVG.truncated($0, 12), fontSize: 10) }.max() ?? 0
        let step = Self.labelStep(spacing: spacing, minimum: widest + 6)
        var svg = "<g class=\"ticks\" fill=\"#555\">"
        for (i, label) in labels.enumerated() where i % step == 0 {
            svg += SVG.text(SVG.truncated(label, 12), x: center(i), y: bottom + 14, anchor: .middle, size: 10)
        }
        return svg + "</g>"
    }

    /// The x-axis title under the tick labels and the y-axis title up the left edge; `yRight`
    /// titles a second axis up the right edge, `rightMargin` pixels out, in `yRightColor`.
    public func titles(x: String, y: String, yRight: String? = nil, rightMargin: Double = 48,
                       yRightColor: String = "#555") -> String {
        var svg = SVG.text(x, x: left + width / 2, y: bottom + 30, anchor: .middle, fill: "#555")
        svg += SVG.text(y, x: 12, y: top + height / 2, anchor: .middle, fill: "#555", rotation: -90)
        if let yRight {
            svg += SVG.text(yRight, x: right + rightMargin, y: top + height / 2, anchor: .middle, fill: yRightColor, rotation: 90)
        }
        return svg
    }

    /// Every how many labels to print so that neighbours `spacing` pixels apart stay `minimum` apart.
    public static func labelStep(spacing: Double, minimum: Double) -> Int {
        guard spacing.isFinite, spacing > 0, spacing < minimum else { return 1 }
        return Int(Swift.min((minimum / spacing).rounded(.up), 1e6))
    }
}
