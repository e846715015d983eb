import LoupeReport
import LoupeStore

/// A run's curves, the part of its page that live updates replace (`GET /runs/{id}/charts`):
/// one chart of every loss (per step and per epoch, log scale when it spans decades) with the
/// debugger's findings marked where they first appeared, one of the per-epoch metrics, one per
/// other key (learning rate, step time, a trace's cycle times, ...), and the final metrics as a
/// table. Every curve is downsampled to the chart's pixel columns first.
enum RunCharts {
    /// Pixel columns of a chart's plot area, about: the buckets curves are thinned to.
    static let columns = 700

    /// The fragment for run `id` with `findings` marked on its loss chart.
    static func html(store: RunStore, id: String, findings: [FindingRecord]) throws -> String {
        let keys = try store.scalarKeys(id)
        guard !keys.isEmpty else { return "<p class=\"note\">No curves recorded yet.</p>\n" }
        let finals = keys.filter { $0.hasPrefix("final/") }
        let curves = keys.filter { !$0.hasPrefix("final/") }
        let losses = curves.filter(isLoss)
        let metrics = curves.filter { !isLoss($0) && ($0.hasPrefix("validation/") || $0.hasPrefix("epoch/")) }
        let others = curves.filter { !losses.contains($0) && !metrics.contains($0) }
        var figures: [String] = []
        if !losses.isEmpty {
            figures.append(try figure(store: store, id: id, title: "Loss", keys: losses, markers: findings.compactMap(\.marker), wide: true))
        }
        if !metrics.isEmpty { figures.append(try figure(store: store, id: id, title: "Metrics", keys: metrics)) }
        for key in others { figures.append(try figure(store: store, id: id, title: key, keys: [key])) }
        var html = "<div class=\"grid\">\n" + figures.joined(separator: "\n") + "\n</div>\n"
        if !finals.isEmpty {
            let summaries = try store.summaries(id)
            html += "<h3>Final metrics</h3>\n<table><tr><th>metric</th><th>value</th></tr>"
            for key in finals {
                html += "<tr><td>\(XMLText.escape(String(key.dropFirst(6))))</td><td class=\"num\">"
                    + "\(NumberText.readable(summaries[key]?.last ?? .nan))</td></tr>"
            }
            html += "</table>\n"
        }
        return html
    }

    /// Keys whose last part names a loss (`train/loss`, `epoch/train_loss`, `validation/loss`).
    static func isLoss(_ key: String) -> Bool {
        key.split(separator: "/").last?.contains("loss") ?? false
    }

    /// One chart of `keys` overlaid, by step.
    static func figure(store: RunStore, id: String, title: String, keys: [String], markers: [LineChart.Marker] = [],
                       wide: Bool = false) throws -> String {
        var allValues: [Double] = []
        let series = try keys.map { key -> LineChart.Series in
            let points = CurveDownsampler.downsample(try store.scalars(id, key: key), buckets: columns)
            allValues += points.map(\.value)
            return LineChart.Series(keys.count == 1 ? "" : key, x: points.map { Double($0.step) }, y: points.map(\.value),
                                    showsPoints: points.count < 60)
        }
        let chart = LineChart(title: title, xTitle: "step", yTitle: keys.count == 1 ? keys[0] : title.lowercased(), series: series,
                              markers: markers, logY: isLoss(keys[0]) && AxisScale.spansDecades(allValues), width: wide ? 1200 : 600,
                              height: wide ? 340 : 280)
        return "<figure\(wide ? " class=\"wide\"" : "")>\(chart.svg)</figure>"
    }
}
