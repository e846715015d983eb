/// Bars growing right from a column of labels (the most likely next tokens), or left and right
/// of a zero line (contributions that lower or raise a logit).
///
/// Each bar carries hover text and, optionally, a colour and an in-page link. Non-finite values
/// draw no bar but still print, so a NaN shows as "NaN" rather than vanishing.
///
/// ```swift
/// let top = BarChart(title: "Most likely next tokens", bars: [
///     .init(label: "\" Paris\"", value: 0.77, tooltip: "p 77%", color: Palette.highlight),
///     .init(label: "\" the\"", value: 0.06, tooltip: "p 6%"),
/// ], scale: .fromZero(maximum: 1), valueFormat: .percent)
/// let parts = BarChart(title: "Logit attribution", bars: [.init(label: "L29.mlp", value: 6.98, tooltip: "6.98"),
///                                                         .init(label: "L21.mlp", value: -1, tooltip: "-1")],
///                      scale: .diverging(negative: "← lowers", positive: "raises →"))
/// ```
public struct BarChart: Sendable {
    /// One bar.
    public struct Bar: Sendable {
        public var label: String
        public var value: Double
        public var tooltip: String
        /// A CSS colour; nil colours the bar by the chart's rule (by sign on a diverging chart).
        public var color: String?
        /// An in-page link (`#cycle-3`) the bar leads to.
        public var link: String?

        public init(label: String, value: Double, tooltip: String, color: String? = nil, link: String? = nil) {
            (self.label, self.value, self.tooltip, self.color, self.link) = (label, value, tooltip, color, link)
        }

        /// The bar's rectangle, with its hover text and, when it has one, its link.
        func shape(x: Double, y: Double, width: Double, height: Double, defaultColor: String) -> String {
            let rect = SVG.rect(x: x, y: y, width: width, height: height, fill: color ?? defaultColor, tooltip: tooltip)
            return link.map { "<a href=\"\(XMLText.escape($0))\">\(rect)</a>" } ?? rect
        }
    }

    /// Where the bars grow from.
    public enum Scale: Sendable {
        /// Rightward from zero, `maximum` filling the bar area (nil: the largest value).
        case fromZero(maximum: Double?)
        /// Left (negative) and right (positive) of a zero line, scaled to the largest |value|,
        /// with a caption over each half.
        case diverging(negative: String, positive: String)
    }

    /// How the value after each bar is printed.
    public enum ValueFormat: Sendable {
        /// ``NumberText/readable(_:)``.
        case number
        /// ``NumberText/percent(_:)``, for fractions.
        case percent

        func text(_ value: Double) -> String {
            switch self {
            case .number: NumberText.readable(value)
            case .percent: NumberText.percent(value)
            }
        }
    }

    /// The chart's accessible name (the page titles the chart itself).
    public var title: String
    public var bars: [Bar]
    public var scale: Scale
    public var valueFormat: ValueFormat

    public init(title: String, bars: [Bar], scale: Scale, valueFormat: ValueFormat = .number) {
        (self.title, self.bars, self.scale, self.valueFormat) = (title, bars, scale, valueFormat)
    }

    /// The chart as one `<svg>` element.
    public var svg: String {
        let labels = Self.labelColumn(bars.map(\.label)), row = 18.0
        // Where zero stands, how far a bar may reach from it, where the first row starts, and
        // whether negative values grow leftward (or draw no bar).
        let zero: Double, reach: Double, top: Double, largest: Double, diverging: Bool
        var svg: String
        switch scale {
        case let .fromZero(maximum):
            (zero, reach, top, diverging) = (labels, 260, 4, false)
            largest = maximum ?? bars.map(\.value).filter(\.isFinite).max() ?? 0
            svg = SVG.open(width: zero + reach + 56, height: top + Double(bars.count) * row + 4, label: title)
        case let .diverging(negative, positive):
            (zero, reach, top, diverging) = (labels + 52 + 170, 170, 18, true)
            largest = bars.map { abs($0.value) }.filter(\.isFinite).max() ?? 0
            svg = SVG.open(width: zero + reach + 52, height: top + Double(bars.count) * row + 4, label: title)
                + SVG.text(negative, x: zero - 6, y: 11, anchor: .end, size: 10, fill: Palette.negative)
                + SVG.text(positive, x: zero + 6, y: 11, size: 10, fill: Palette.positive)
        }
        let perUnit = largest > 0 && largest.isFinite ? reach / largest : 0
        for (i, bar) in bars.enumerated() {
            let y = top + Double(i) * row
            let leftward = diverging && bar.value < 0
            let width = SVG.clamp((diverging ? abs(bar.value) : bar.value) * perUnit, 0, reach)
            svg += SVG.text(SVG.truncated(bar.label, 24), x: labels - 6, y: y + 13, anchor: .end)
            svg += bar.shape(x: leftward ? zero - width : zero, y: y + 2, width: width, height: row - 4,
                             defaultColor: leftward ? Palette.negative : Palette.positive)
            svg += SVG.text(valueFormat.text(bar.value), x: leftward ? zero - width - 4 : zero + width + 4, y: y + 13,
                            anchor: leftward ? .end : .start, size: 10, fill: "#555")
        }
        if diverging { svg += SVG.line(zero, top - 2, zero, top + Double(bars.count) * row + 4, stroke: "#555") }
        return svg + "</svg>"
    }

    /// The width of a column holding `labels` as drawn (at most 24 characters).
    static func labelColumn(_ labels: [String]) -> Double {
        let longest = Swift.min(labels.map(\.count).max() ?? 0, 24)
        return SVG.clamp(Double(longest) * 6.6 + 10, 36, 170)
    }
}
