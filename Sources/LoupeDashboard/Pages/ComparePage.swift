import Foundation
import LoupeEval
import LoupeReport
import LoupeStore

/// `GET /compare?ids=a,b,...` (or `ids=a&ids=b`, as the runs page's checkboxes send them; ids,
/// unique prefixes or names): the runs side by side — a parallel-coordinates chart of their
/// numeric hyperparameters that differ (and that two or more of them have) and `?metric=` (default `validation/accuracy` when a run
/// has it), the hyperparameters that differ, every metric's best and last value, and each curve
/// that two or more of them recorded, overlaid (one colour per run throughout).
struct ComparePage {
    let store: RunStore
    let query: QueryParameters
    let maxRuns: Int
    /// Hyperparameter axes at most on the parallel-coordinates chart (beyond that it is unreadable).
    static let maxAxes = 12

    struct Run {
        var info: RunInfo
        var params: [String: ParamValue]
        var summaries: [String: ScalarSummary]
        var color: String
        var label: String { "\(info.name) \(info.id.prefix(8))" }
    }

    func html() throws -> String {
        let runs = try load()
        let e = XMLText.escape
        let metricKeys = Set(runs.flatMap(\.summaries.keys)).sorted()
        let metric = try chosenMetric(runs, keys: metricKeys)
        let paramKeys = Set(runs.flatMap(\.params.keys)).sorted()
        let differing = paramKeys.filter { key in Set(runs.map { RunText.param($0.params[key]) }).count > 1 }

        var body = "<h1>Compare \(runs.count) runs</h1>\n<table><tr><th>run</th><th>id</th><th>kind</th><th>status</th><th>best \(e(metric ?? "metric"))</th></tr>"
        for run in runs {
            let best = metric.flatMap { run.summaries[$0] }.map { NumberText.readable($0.best) } ?? "-"
            body += "<tr><td><span class=\"swatch\" style=\"background:\(run.color)\"></span>\(e(run.info.name))</td>"
                + "<td class=\"id\">\(RunText.link(run.info.id))</td><td>\(run.info.kind.rawValue)</td><td>\(RunText.status(run.info.status))</td>"
                + "<td class=\"num\">\(best)</td></tr>"
        }
        body += "</table>\n"

        body += try bestBuy(runs)
        body += "<h2>Hyperparameters and \(e(metric ?? "metric"))</h2>\n" + metricForm(runs: runs, keys: metricKeys, selected: metric)
        body += "<figure>" + parallelCoordinates(runs, differing: differing, metric: metric).svg + "</figure>\n"

        body += "<h2>Hyperparameters that differ</h2>\n"
        body += differing.isEmpty ? "<p class=\"note\">None: every hyperparameter is the same.</p>\n" : table(keys: differing, runs: runs)
        if !paramKeys.isEmpty {
            body += "<details><summary>All hyperparameters (\(paramKeys.count))</summary>\n" + table(keys: paramKeys, runs: runs) + "</details>\n"
        }

        body += "<h2>Metrics (best / last)</h2>\n<table><tr><th>key</th>" + runs.map { "<th>\(e($0.label))</th>" }.joined() + "</tr>"
        for key in metricKeys {
            body += "<tr><td>\(e(key))</td>" + runs.map { run in
                "<td class=\"num\">\(run.summaries[key].map { "\(NumberText.readable($0.best)) / \(NumberText.readable($0.last))" } ?? "-")</td>"
            }.joined() + "</tr>"
        }
        body += "</table>\n<h2>Curves</h2>\n<div class=\"grid\">\n"
        let shared = metricKeys.filter { key in !key.hasPrefix("final/") && runs.filter { $0.summaries[key] != nil }.count >= 2 }
        for key in shared {
            let series = try runs.filter { $0.summaries[key] != nil }.map { run -> LineChart.Series in
                let points = CurveDownsampler.downsample(try store.scalars(run.info.id, key: key), buckets: RunCharts.columns)
                return LineChart.Series(run.label, x: points.map { Double($0.step) }, y: points.map(\.value), color: run.color,
                                        showsPoints: points.count < 60)
            }
            let values = series.flatMap(\.y)
            let chart = LineChart(title: key, xTitle: "step", yTitle: key, series: series,
                                  logY: RunCharts.isLoss(key) && AxisScale.spansDecades(values), width: 600, height: 280)
            body += "<figure>\(chart.svg)</figure>\n"
        }
        if shared.isEmpty { body += "<p class=\"note\">No curve was recorded by two of these runs.</p>\n" }
        body += "</div>\n"
        return PageLayout.page(title: "Loupe compare: " + runs.map(\.info.name).joined(separator: " vs "), body: body)
    }

    /// When two or more of the runs are evaluated (or are evaluations): quality against cost,
    /// the Pareto front and the recommendation, as `loupe compare` gives them.
    private func bestBuy(_ runs: [Run]) throws -> String {
        let entries: [EvaluationComparison.Entry] = try runs.compactMap { run in
            let found = try run.info.kind == .eval ? EvaluationStore.evaluation(of: run.info.id, in: store).map { (run.info.id, $0) }
                : EvaluationStore.evaluations(ofTraining: run.info.id, in: store).first
            return found.map { EvaluationComparison.Entry(label: run.label, id: $0.0, evaluation: $0.1) }
        }
        guard entries.count >= 2 else { return "" }
        let comparison = EvaluationComparison(entries)
        return "<h2 id=\"pareto\">Which is the best buy</h2>\n<p><b>\(XMLText.escape(comparison.recommendation))</b></p>\n"
            + "<figure>\(comparison.paretoChart.svg)</figure>\n"
    }

    /// The runs the query names, resolved, in the order given, each once.
    private func load() throws -> [Run] {
        var references: [String] = []
        for value in query.values("ids") {
            for part in value.split(separator: ",") {
                let reference = part.trimmingCharacters(in: .whitespaces)
                if !reference.isEmpty, !references.contains(reference) { references.append(reference) }
            }
        }
        guard references.count <= maxRuns else {
            throw RequestError.badRequest("compare takes at most \(maxRuns) runs; \(references.count) were given")
        }
        if let long = references.first(where: { $0.count > 200 }) {
            throw RequestError.badRequest("'\(long.prefix(40))…' is not a run id, prefix or name (too long)")
        }
        var ids: [String] = []
        for reference in references {
            let id = try store.resolve(reference)
            if !ids.contains(id) { ids.append(id) }
        }
        guard ids.count >= 2 else {
            throw RequestError.badRequest("compare needs two or more different runs: /compare?ids=ID,ID (ids, unique prefixes or names); "
                + "\(ids.count) given")
        }
        return try ids.enumerated().map { index, id in
            Run(info: try store.run(id), params: try store.params(id), summaries: try store.summaries(id), color: Palette.series(index))
        }
    }

    /// `?metric=`, else the first of the runs page's preferred metrics that a run has, else the
    /// first key any run recorded; a metric no run recorded is a 400.
    private func chosenMetric(_ runs: [Run], keys: [String]) throws -> String? {
        if let metric = query.value("metric") {
            guard keys.contains(metric) else {
                throw RequestError.badRequest("none of these runs recorded '\(metric)'; they recorded \(keys.prefix(20).joined(separator: ", "))")
            }
            return metric
        }
        return RunsPage.preferredMetrics.first(where: keys.contains) ?? keys.first
    }

    private func parallelCoordinates(_ runs: [Run], differing: [String], metric: String?) -> ParallelCoordinatesChart {
        // An axis only where two or more runs have a number to join by a line.
        let numeric = differing.filter { key in runs.filter { $0.params[key]?.number != nil }.count >= 2 }.prefix(Self.maxAxes)
        let axes = Array(numeric) + (metric.map { [$0] } ?? [])
        let lines = runs.map { run in
            ParallelCoordinatesChart.Line(run.label, values: numeric.map { run.params[$0]?.number ?? .nan }
                                              + (metric.map { [run.summaries[$0]?.best ?? .nan] } ?? []), color: run.color)
        }
        return ParallelCoordinatesChart(title: "Hyperparameters and best \(metric ?? "metric")", axes: axes, lines: lines, width: 1200, height: 360)
    }

    private func table(keys: [String], runs: [Run]) -> String {
        var html = "<table><tr><th>key</th>" + runs.map { "<th>\(XMLText.escape($0.label))</th>" }.joined() + "</tr>"
        for key in keys {
            html += "<tr><td>\(XMLText.escape(key))</td>" + runs.map { "<td>\(XMLText.escape(RunText.param($0.params[key])))</td>" }.joined() + "</tr>"
        }
        return html + "</table>\n"
    }

    /// A form that reloads this page with another metric on the last axis.
    private func metricForm(runs: [Run], keys: [String], selected: String?) -> String {
        let ids = runs.map(\.info.id).joined(separator: ",")
        let options = keys.map { "<option\($0 == selected ? " selected" : "")>\(XMLText.escape($0))</option>" }.joined()
        return "<form class=\"filters\" method=\"get\" action=\"/compare\"><input type=\"hidden\" name=\"ids\" value=\"\(XMLText.escape(ids))\">"
            + "<label>metric<select name=\"metric\">\(options)</select></label><button type=\"submit\">Show</button></form>\n"
    }
}
