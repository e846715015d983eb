import Foundation
import LoupeReport
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeReport, compiled and run here and checked against the source.
struct DocExampleTests {
    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func barChartExample() throws {
        // example: BarChart
        let top = BarChart(title: "Most likely next tokens", bars: [
            .init(label: "\" Paris\"", value: 0.77, tooltip: "p 77%", color: Palette.highlight),
            .init(label: "\" the\"", value: 0.06, tooltip: "p 6%"),
        ], scale: .fromZero(maximum: 1), valueFormat: .percent)
        let parts = BarChart(title: "Logit attribution", bars: [.init(label: "L29.mlp", value: 6.98, tooltip: "6.98"),
                                                                .init(label: "L21.mlp", value: -1, tooltip: "-1")],
                             scale: .diverging(negative: "← lowers", positive: "raises →"))
        // end example
        // A maximum of 1 lets 0.77 fill 77% of the 260-pixel bar area, printed as a percentage.
        #expect(SVGProbe.attributes("width", in: top.svg).contains("200.2"))
        #expect(top.svg.contains(">77%</text>") && top.svg.contains("fill=\"\(Palette.highlight)\""))
        // The negative bar grows left of the zero line in the negative colour, under its caption.
        #expect(parts.svg.contains(">← lowers</text>") && parts.svg.contains("fill=\"\(Palette.negative)\"><title>-1</title>"))
        #expect(SVGProbe.isWellFormed(top.svg) && SVGProbe.isWellFormed(parts.svg))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Charts/BarChart.swift", markedAs: "BarChart", in: #filePath) == nil)
    }

    @Test func heatmapExample() throws {
        // example: Heatmap
        let map = Heatmap(title: "Gradient norm", rowLabels: ["layers.0", "layers.2"], columns: .numeric([1, 2, 3]),
                          values: [[1e-3, 1e-2, .nan], [0.5, 1, 2]], valueLabel: "‖∇W‖")
        let html = "<figure>\(map.svg)</figure>"
        // end example
        // On the log scale the smallest value takes the ramp's start, the largest its end; NaN is missing.
        let fills = SVGProbe.cellFills(html)
        #expect(fills.count == 6)
        #expect(fills[0] == ColorRamp.viridis.color(at: 0) && fills[5] == ColorRamp.viridis.color(at: 1))
        #expect(fills[2] == Palette.missing)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Charts/Heatmap.swift", markedAs: "Heatmap", in: #filePath) == nil)
    }

    @Test func histogramExample() throws {
        // example: Histogram
        let chart = Histogram(title: "layers.1 (relu)", xTitle: "output", series: [
            .init("step 1", lower: -1, upper: 1, counts: [1, 4, 9, 4]),
            .init("step 500", lower: 0, upper: 3, counts: [30, 2, 1, 0]),
        ])
        let html = "<figure>\(chart.svg)</figure>"
        // end example
        // One group per series, one translucent bar per non-empty bin: 4 + 3.
        #expect(Self.count("<g class=\"histogram\">", in: html) == 2)
        #expect(Self.count("fill-opacity=\"0.45\"", in: html) == 7)
        #expect(SVGProbe.isWellFormed(chart.svg))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Charts/Histogram.swift", markedAs: "Histogram", in: #filePath) == nil)
    }

    @Test func lineChartExample() throws {
        // example: LineChart
        let loss = LineChart(title: "Training loss", xTitle: "step", yTitle: "loss",
                             series: [.init("train", x: [1, 2, 3], y: [2.3, .nan, 0.7])],
                             markers: [.init(x: 2, label: "nan_inf", color: "#c62828")], logY: true)
        let norms = LineChart(title: "Norms by layer", xTitle: "layer", yTitle: "L2 norm",
                              series: [.init("residual", values: [1, 4, 9])], xAxis: .categories(["0", "1", "2"]))
        let html = "<figure>\(loss.svg)</figure><figure>\(norms.svg)</figure>"
        // end example
        // The NaN breaks the loss line, leaving two single points drawn as dots; the marker stands at step 2.
        #expect(Self.count("<circle", in: loss.svg) == 2 && !loss.svg.contains("<path d="))
        #expect(html.contains(">nan_inf</text>"))
        #expect(Self.count("<circle", in: norms.svg) == 3)
        #expect(SVGProbe.isWellFormed(loss.svg) && SVGProbe.isWellFormed(norms.svg))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Charts/LineChart.swift", markedAs: "LineChart", in: #filePath) == nil)
    }

    @Test func imageGridExample() throws {
        // example: ImageGrid
        let grid = ImageGrid(title: "Most confidently wrong",
                             images: [.init(channels: 1, height: 2, width: 2, pixels: [0, 1, 1, 0], caption: "3 → 8 (0.97)")])
        let svg = grid.svg
        // end example
        // Four pixels stretched black to white, the caption under them.
        #expect(svg.contains("fill=\"#000000\"") && svg.contains("fill=\"#ffffff\"") && svg.contains(">3 → 8 (0.97)</text>"))
        #expect(Self.count("<rect", in: svg) == 4 && SVGProbe.isWellFormed(svg))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Charts/ImageGrid.swift", markedAs: "ImageGrid", in: #filePath) == nil)
    }

    @Test func timelineChartExample() throws {
        // example: TimelineChart
        let timeline = TimelineChart(title: "Time per cycle and entropy",
                                     bars: [.init(label: "0", value: 218, tooltip: "218 ms", link: "#cycle-0")],
                                     barTitle: "milliseconds", slotTitle: "cycle",
                                     line: [1.48], lineName: "entropy (nats)",
                                     rampKey: .init(.viridis, low: "bar: chosen p 0", high: "1"))
        let html = "<div class=\"panel\">\(timeline.svg)</div>"
        // end example
        // The bar links to its cycle, and the ramp key names its ends.
        #expect(html.contains("<a href=\"#cycle-0\"><rect") && html.contains("<title>218 ms</title>"))
        #expect(html.contains(">bar: chosen p 0</text>"))
        #expect(SVGProbe.isWellFormed(timeline.svg))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Charts/TimelineChart.swift", markedAs: "TimelineChart", in: #filePath) == nil)
    }

    @Test func htmlPageExample() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("debug.html"), run = "a<b"
        // example: HTMLPage
        let page = HTMLPage(title: "Loupe debug: \(run)", stylesheet: ".finding { padding: 12px; }",
                            body: "<h1>\(XMLText.escape(run))</h1>\n")
        try Data(page.html.utf8).write(to: url)
        // end example
        // The page escapes its title itself; the body comes escaped; the page's rules follow the base ones.
        let written = try String(contentsOf: url, encoding: .utf8)
        #expect(written.hasPrefix("<!DOCTYPE html>") && written.contains("<title>Loupe debug: a&lt;b</title>"))
        #expect(written.contains("<main>\n<h1>a&lt;b</h1>\n</main>"))
        #expect(written.contains(HTMLPage.baseStylesheet + ".finding { padding: 12px; }</style>"))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/HTML/HTMLPage.swift", markedAs: "HTMLPage", in: #filePath) == nil)
    }

    @Test func axisScaleExample() throws {
        // example: AxisScale
        let y = AxisScale(covering: [0.3, 9.7], log: false)!   // ticks 0, 2, 4, 6, 8, 10
        let py = y.position(5, from: 300, to: 20)               // 160: halfway up the plot
        // end example
        #expect(y.ticks == [0, 2, 4, 6, 8, 10] && py == 160)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/SVG/AxisScale.swift", markedAs: "AxisScale", in: #filePath) == nil)
    }

    @Test func colorRampExample() throws {
        // example: ColorRamp
        let fill = ColorRamp.viridis.color(at: 0.25)       // "#3b528b"
        let ink = ColorRamp.blues.textColor(at: 0.9)        // "#fff": dark blue needs white text
        // end example
        #expect(fill == "#3b528b" && ink == "#fff")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/SVG/ColorRamp.swift", markedAs: "ColorRamp", in: #filePath) == nil)
    }

    @Test func legendExample() throws {
        var svg = SVG.open(width: 716, height: 60, label: "Loss")
        // example: Legend
        let legend = Legend.rows([.init("train", color: Palette.series(0)),
                                  .init("validation", color: Palette.series(1), mark: .line(.dashed))],
                                 x: 8, y: 26, width: 700)
        svg += legend.svg   // legend.height pixels tall
        // end example
        // Two short names fit one 16-pixel row; the validation line is dashed.
        #expect(legend.height == 16)
        #expect(Self.count("<line ", in: svg) == 2 && Self.count("stroke-dasharray", in: svg) == 1)
        #expect(SVGProbe.isWellFormed(svg + "</svg>"))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/SVG/Legend.swift", markedAs: "Legend", in: #filePath) == nil)
    }

    @Test func plotAreaExample() throws {
        let steps: [Double] = [1, 2, 3], losses = [2.3, 0.9, 0.1]
        var svg = SVG.open(width: 720, height: 300, label: "Loss")
        // example: PlotArea
        let area = PlotArea(left: 50, top: 30, right: 700, bottom: 260)
        let x = AxisScale(covering: steps, log: false)!, y = AxisScale(covering: losses, log: true)!
        svg += area.axes(x: x, y: y, xTitle: "step", yTitle: "loss") + area.outline
        // end example
        let plot = try #require(SVGProbe.plotArea(svg))
        #expect(plot.left == 50 && plot.top == 30 && plot.right == 700 && plot.bottom == 260)
        #expect(svg.contains(">step</text>") && svg.contains(">loss</text>"))
        #expect(SVGProbe.isWellFormed(svg + "</svg>"))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/SVG/PlotArea.swift", markedAs: "PlotArea", in: #filePath) == nil)
    }

    @Test func svgExample() throws {
        // example: SVG
        var svg = SVG.open(width: 200, height: 40, label: "A bar")
        svg += SVG.rect(x: 10, y: 10, width: 120, height: 20, fill: Palette.positive, tooltip: "120 ms")
        svg += SVG.text("120 ms", x: 134, y: 24, size: 10)
        svg += "</svg>"
        // end example
        #expect(SVGProbe.isWellFormed(svg))
        #expect(svg.contains("width=\"120\" height=\"20\" fill=\"\(Palette.positive)\"><title>120 ms</title></rect>"))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/SVG/SVG.swift", markedAs: "SVG", in: #filePath) == nil)
    }

    @Test func terminalProgressExample() throws {
        let batches = 96
        var trained = 0
        func train(_ batch: Int) { trained += 1 }
        // example: TerminalProgress
        let progress = TerminalProgress(label: "epoch 1/10")
        for batch in 1...batches {
            train(batch)
            progress.update(batch, of: batches, detail: "loss 0.4123")
        }
        progress.finish()
        // end example
        #expect(trained == batches)
        // The line the doc comment shows after the example: 40 of 96 batches at 18.3 a second.
        let shown = "epoch 1/10 ██████████·············· 40/96 41% 18.3 it/s ETA 3s loss 0.4123"
        #expect(TerminalProgress.line(label: "epoch 1/10", done: 40, total: 96, elapsed: 40 / 18.3, detail: "loss 0.4123") == shown)
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("Sources/LoupeReport/Terminal/TerminalProgress.swift"),
                                encoding: .utf8)
        #expect(source.contains("/// draws, for example, `\(shown)`."))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Terminal/TerminalProgress.swift", markedAs: "TerminalProgress",
                                       in: #filePath) == nil)
    }

    @Test func terminalStyleExample() throws {
        // example: TerminalStyle
        let style = TerminalStyle.standardOutput
        print(style.bold("Debug report") + " " + style.colored("healthy", .green))
        let plain = TerminalStyle(isTerminal: true, environment: ["NO_COLOR": "1"])   // plain.usesColor == false
        // end example
        #expect(!plain.usesColor && plain.colored("healthy", .green) == "healthy")
        // On a terminal without NO_COLOR the same call colours.
        #expect(TerminalStyle(isTerminal: true, environment: [:]).colored("healthy", .green) == "\u{1B}[32mhealthy\u{1B}[0m")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Terminal/TerminalStyle.swift", markedAs: "TerminalStyle", in: #filePath) == nil)
    }

    @Test func numberTextExample() throws {
        // example: NumberText
        let small = NumberText.readable(0.000123456)   // "0.0001235"
        let large = NumberText.readable(12345.678)     // "12346"
        let share = NumberText.percent(0.823)          // "82.3%"
        // end example
        #expect(small == "0.0001235" && large == "12346" && share == "82.3%")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Text/NumberText.swift", markedAs: "NumberText", in: #filePath) == nil)
    }

    @Test func parallelCoordinatesExample() throws {
        // example: ParallelCoordinatesChart
        let chart = ParallelCoordinatesChart(title: "Runs by hyperparameter", axes: ["train.lr", "train.batch_size", "validation/accuracy"],
                                             lines: [.init("run a", values: [0.1, 32, 0.91]), .init("run b", values: [0.0001, 64, .nan])])
        let html = "<figure>\(chart.svg)</figure>"
        // end example
        // Two lines: run a crosses all three axes, run b stops at the NaN (a gap, not a point at 0).
        let paths = SVGProbe.attributes("d", in: chart.svg).map(SVGProbe.pathPoints)
        #expect(paths.count == 2 && paths[0].flatMap { $0 }.count == 3 && paths[1].flatMap { $0 }.count == 2)
        // The learning rates span three decades, so their axis is log10 with a tick at each decade.
        #expect(chart.svg.contains(">1e-4</text>") && chart.svg.contains(">0.01</text>") && chart.svg.contains(">0.1</text>"))
        #expect(html.hasPrefix("<figure><svg ") && SVGProbe.isWellFormed(chart.svg))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeReport/Charts/ParallelCoordinatesChart.swift", markedAs: "ParallelCoordinatesChart",
                                       in: #filePath) == nil)
    }
}
