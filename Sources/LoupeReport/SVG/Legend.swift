/// Legends: what each series of a chart is, and what a colour ramp's ends mean.
///
/// ```swift
/// let legend = Legend.rows([.init("train", color: Palette.series(0)),
///                           .init("validation", color: Palette.series(1), mark: .line(.dashed))],
///                          x: 8, y: 26, width: 700)
/// svg += legend.svg   // legend.height pixels tall
/// ```
public enum Legend {
    /// How an entry's series is drawn.
    public enum Mark: Sendable {
        case line(SVG.Stroke)
        /// A translucent filled box (bars, histograms).
        case swatch
    }

    /// One entry: a name and how its series is drawn.
    public struct Entry: Sendable {
        public var name: String
        public var color: String
        public var mark: Mark

        public init(_ name: String, color: String, mark: Mark = .line(.solid)) {
            (self.name, self.color, self.mark) = (name, color, mark)
        }
    }

    /// `entries` laid out in rows from (`x`, `y`) within `width`; the SVG and its height (0 when
    /// there are no entries).
    public static func rows(_ entries: [Entry], x: Double, y: Double, width: Double) -> (svg: String, height: Double) {
        guard !entries.isEmpty else { return ("", 0) }
        let rowHeight = 16.0
        var svg = "<g class=\"legend\">"
        var cursor = x, row = 0.0
        for entry in entries {
            let label = SVG.truncated(entry.name, 40)
            let itemWidth = 22 + SVG.textWidth(label) + 14
            if cursor > x, cursor + itemWidth > x + width { cursor = x; row += 1 }
            let midY = y + row * rowHeight + 8
            switch entry.mark {
            case .swatch:
                svg += SVG.rect(x: cursor, y: midY - 5, width: 16, height: 10, fill: entry.color, opacity: 0.5)
            case let .line(stroke):
                svg += SVG.line(cursor, midY, cursor + 16, midY, stroke: entry.color, width: 2, style: stroke)
            }
            svg += SVG.text(label, x: cursor + 22, y: midY + 4)
            cursor += itemWidth
        }
        return (svg + "</g>", (row + 1) * rowHeight)
    }

    /// What the two ends of a colour ramp mean ("chosen p 0" … "1").
    public struct RampKey: Sendable {
        public var ramp: ColorRamp
        public var low: String
        public var high: String

        public init(_ ramp: ColorRamp, low: String, high: String) {
            (self.ramp, self.low, self.high) = (ramp, low, high)
        }
    }

    /// Ten swatches of the key's ramp from (`x`, `y`), `low` before them and `high` after (a
    /// gradient would need an id, which could collide with another chart's). 10 pixels tall.
    public static func ramp(_ key: RampKey, x: Double, y: Double) -> String {
        var svg = SVG.text(key.low, x: x, y: y + 9, anchor: .end, size: 10, fill: "#555")
        for i in 0..<10 {
            svg += SVG.rect(x: x + 4 + Double(i) * 12, y: y, width: 12, height: 10, fill: key.ramp.color(at: (Double(i) + 0.5) / 10))
        }
        return svg + SVG.text(key.high, x: x + 128, y: y + 9, size: 10, fill: "#555")
    }
}
