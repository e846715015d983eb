/// One bar per slot (a generation cycle's time) on the left axis, under a line on its own right
/// axis (the cycle's entropy); each bar can link to its slot's section of the page.
///
/// Both axes start at zero. Bars are coloured by the caller (by confidence, say) and `rampKey`
/// explains those colours under the chart. Non-finite values draw no bar and break the line.
///
/// ```swift
/// let timeline = TimelineChart(title: "Time per cycle and entropy",
///                              bars: [.init(label: "0", value: 218, tooltip: "218 ms", link: "#cycle-0")],
///                              barTitle: "milliseconds", slotTitle: "cycle",
///                              line: [1.48], lineName: "entropy (nats)",
///                              rampKey: .init(.viridis, low: "bar: chosen p 0", high: "1"))
/// let html = "<div class=\"panel\">\(timeline.svg)</div>"
/// ```
public struct TimelineChart: Sendable {
    /// The chart's accessible name (the page titles the chart itself).
    public var title: String
    public var bars: [BarChart.Bar]
    /// What the bars measure (the left axis's title).
    public var barTitle: String
    /// What a slot is (the x-axis title).
    public var slotTitle: String
    /// One value per slot, drawn as a line against the right axis.
    public var line: [Double]
    /// The line's name: the right axis's title and its legend entry.
    public var lineName: String
    /// What the bars' colours mean, when they mean something.
    public var rampKey: Legend.RampKey?

    public init(title: String, bars: [BarChart.Bar], barTitle: String, slotTitle: String, line: [Double], lineName: String,
                rampKey: Legend.RampKey? = nil) {
        (self.title, self.bars, self.barTitle, self.slotTitle) = (title, bars, barTitle, slotTitle)
        (self.line, self.lineName, self.rampKey) = (line, lineName, rampKey)
    }

    /// The chart as one `<svg>` element.
    public var svg: String {
        let plotWidth = SVG.clamp(Double(bars.count) * 14, 320, 900)
        let area = PlotArea(left: 52, top: 12, right: 52 + plotWidth, bottom: 172)
        guard !bars.isEmpty, let barScale = AxisScale(covering: bars.map(\.value), log: false, zeroBased: true) else {
            return SVG.placeholder(title: title, width: area.right + 56, height: area.bottom + 58)
        }
        let slot = plotWidth / Double(bars.count)
        func center(_ i: Int) -> Double { area.left + (Double(i) + 0.5) * slot }

        var svg = SVG.open(width: area.right + 56, height: area.bottom + 58, label: title)
        svg += area.grid(y: barScale) + area.yTickLabels(barScale)
        for (i, bar) in bars.enumerated() {
            guard let top = area.y(bar.value, on: barScale) else { continue }
            let width = Swift.max(1, slot * 0.8)
            svg += bar.shape(x: center(i) - width / 2, y: top, width: width, height: area.bottom - top, defaultColor: Palette.positive)
        }
        if let lineScale = AxisScale(covering: line, log: false, zeroBased: true) {
            svg += area.yTickLabels(lineScale, side: .right)
            let points = line.prefix(bars.count).enumerated().map { i, value in area.y(value, on: lineScale).map { (center(i), $0) } }
            svg += "<g class=\"series\"><title>\(XMLText.escape(lineName))</title>"
                + "<path d=\"\(SVG.pathData(points))\" fill=\"none\" stroke=\"\(Palette.negative)\" stroke-width=\"1.5\"/></g>"
        }
        svg += SVG.line(area.left, area.bottom, area.right, area.bottom)
        svg += area.categoryLabels(bars.map(\.label), spacing: slot, center: center)
        svg += area.titles(x: slotTitle, y: barTitle, yRight: lineName, rightMargin: 48, yRightColor: Palette.negative)
        if let rampKey { svg += Legend.ramp(rampKey, x: area.left + 80, y: area.bottom + 38) }
        svg += Legend.rows([.init(lineName, color: Palette.negative)], x: area.left + 250, y: area.bottom + 35, width: 200).svg
        return svg + "</svg>"
    }
}
