import Foundation
import LoupeReport
import LoupeStore

/// `GET /`: every run in a table — id, name, kind, status, start, duration, steps, findings, the
/// key hyperparameters and best metrics any run has, tags when a run has some — filtered by
/// `?name=` (part of the name), `?status=`, `?kind=`, `?tag=`, sorted by
/// `?sort=COLUMN&order=asc|desc` (the column headers are those links), with checkboxes and a
/// Compare button that open `/compare`.
///
/// The table reads three bulk queries (runs, the shown hyperparameters, the shown metrics'
/// summaries) and one count, whatever the number of runs.
struct RunsPage {
    /// Hyperparameters shown when some run has them, in this order.
    static let paramColumns = ["train.optimizer", "train.lr", "train.batch_size", "train.epochs"]
    /// Metrics shown first when some run has them; other `validation/` and `final/test/` keys that
    /// are not losses follow.
    static let preferredMetrics = ["validation/accuracy", "validation/loss", "final/test/accuracy"]
    static let maxMetricColumns = 4
    /// Columns that are not a hyperparameter or a metric.
    static let fixedColumns = ["id", "name", "kind", "status", "started", "duration", "steps", "findings"]

    struct Row {
        var info: RunInfo
        var params: [String: ParamValue]
        var summaries: [String: ScalarSummary]
        var findings: Int
        var steps: Int? { summaries["train/loss"]?.lastStep ?? summaries.values.map(\.lastStep).max() }
    }

    let store: RunStore
    let query: QueryParameters

    func html() throws -> String {
        let status = try query.value("status").map { text in
            guard let status = RunStatus(rawValue: text) else {
                throw RequestError.badRequest("unknown status '\(text)': use one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
        let kind = try query.value("kind").map { text in
            guard let kind = RunKind(rawValue: text) else {
                throw RequestError.badRequest("unknown kind '\(text)': use one of \(RunKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        }
        let name = query.value("name"), tag = query.value("tag")
        // A run whose process died reads as crashed, as in `loupe runs list`.
        try store.detectCrashes()
        var runs = try store.runs(status: status, kind: kind, tag: tag)
        if let name { runs = runs.filter { $0.name.localizedCaseInsensitiveContains(name) } }

        let allKeys = try store.scalarKeysOfAllRuns().map(\.key)
        // Other held-out metrics follow the preferred ones; losses beyond validation/loss would repeat it.
        let others = allKeys.filter {
            ($0.hasPrefix("validation/") || $0.hasPrefix("final/test/")) && !Self.preferredMetrics.contains($0) && !RunCharts.isLoss($0)
        }
        let metrics = Array((Self.preferredMetrics.filter(allKeys.contains) + others).prefix(Self.maxMetricColumns))
        let params = try store.paramsOfAllRuns(keys: Self.paramColumns)
        let paramColumns = Self.paramColumns.filter { key in params.values.contains { $0[key] != nil } }
        let summaries = try store.summariesOfAllRuns(keys: metrics + ["train/loss"])
        let findings = try store.recordCounts(kind: "finding")
        var rows = runs.map { Row(info: $0, params: params[$0.id] ?? [:], summaries: summaries[$0.id] ?? [:], findings: findings[$0.id] ?? 0) }

        let sort = query.value("sort") ?? "started"
        let columns = Self.fixedColumns + paramColumns + metrics
        guard columns.contains(sort) else {
            throw RequestError.badRequest("cannot sort by '\(sort)': choose one of \(columns.joined(separator: ", "))")
        }
        let order = query.value("order") ?? Self.defaultOrder(sort)
        guard order == "asc" || order == "desc" else { throw RequestError.badRequest("order must be asc or desc, not '\(order)'") }
        rows = Self.sorted(rows, by: sort, descending: order == "desc", metrics: metrics)

        let total = [status == nil, kind == nil, tag == nil, name == nil].allSatisfy { $0 } ? runs.count : try store.runs().count
        var body = "<h1>Runs</h1>\n<p class=\"note\">\(rows.count) of \(total) run(s) in <code>\(XMLText.escape(store.path))</code></p>\n"
        body += filterForm(name: name, status: status, kind: kind, tag: tag, sort: sort, order: order)
        guard !rows.isEmpty else { return PageLayout.page(title: "Loupe runs", body: body + "<p>No runs match.</p>\n") }
        body += "<form method=\"get\" action=\"/compare\">\n<p><button type=\"submit\">Compare selected runs</button> "
            + "<span class=\"note\">tick two to 20 runs</span></p>\n<div class=\"scroll\"><table class=\"runs\">\n<tr><th></th>"
        for column in columns {
            // Long keys may break after a '/' or '.', which keeps the metric columns narrow.
            let label = XMLText.escape(column).replacingOccurrences(of: "/", with: "/<wbr>").replacingOccurrences(of: ".", with: ".<wbr>")
            let next = column == sort ? (order == "asc" ? "desc" : "asc") : Self.defaultOrder(column)
            let arrow = column == sort ? (order == "asc" ? " ▲" : " ▼") : ""
            body += "<th\(column == sort ? " class=\"sorted\"" : "")><a href=\"\(link(sort: column, order: next))\">\(label)\(arrow)</a></th>"
        }
        let tags = rows.contains { !$0.info.tags.isEmpty }
        body += (tags ? "<th>tags</th>" : "") + "</tr>\n"
        for row in rows {
            let i = row.info
            body += "<tr><td><input type=\"checkbox\" name=\"ids\" value=\"\(XMLText.escape(i.id))\" aria-label=\"select \(XMLText.escape(i.id))\"></td>"
            body += "<td class=\"id\">\(RunText.link(i.id))</td><td>\(XMLText.escape(i.name))</td><td>\(i.kind.rawValue)</td>"
            body += "<td>\(RunText.status(i.status))</td><td>\(RunText.shortDate(i.startedAt))</td><td class=\"num\">\(RunText.duration(i.duration))</td>"
            body += "<td class=\"num\">\(row.steps.map(String.init) ?? "-")</td><td class=\"num\">\(row.findings)</td>"
            for key in paramColumns { body += "<td class=\"num\">\(XMLText.escape(RunText.param(row.params[key])))</td>" }
            for key in metrics { body += "<td class=\"num\">\(row.summaries[key].map { NumberText.readable($0.best) } ?? "-")</td>" }
            body += (tags ? "<td>\(XMLText.escape(i.tags.joined(separator: ", ")))</td>" : "") + "</tr>\n"
        }
        body += "</table></div>\n</form>\n<p class=\"note\">Metric columns show each run's best value (lowest for losses, highest otherwise).</p>\n"
        return PageLayout.page(title: "Loupe runs", body: body, wide: true)
    }

    /// Newest, longest and best first; names and kinds A to Z.
    static func defaultOrder(_ column: String) -> String {
        switch column {
        case "name", "kind", "status", "id": "asc"
        case let key where key.contains("/"): MetricGoal(key: key) == .minimize ? "asc" : "desc"
        default: "desc"
        }
    }

    /// `rows` by `column`; runs without a value come last either way.
    static func sorted(_ rows: [Row], by column: String, descending: Bool, metrics: [String]) -> [Row] {
        enum Key { case text(String), number(Double) }
        func key(_ row: Row) -> Key? {
            switch column {
            case "id": .text(row.info.id)
            case "name": .text(row.info.name)
            case "kind": .text(row.info.kind.rawValue)
            case "status": .text(row.info.status.rawValue)
            case "started": .number(row.info.startedAt.timeIntervalSince1970)
            case "duration": .number(row.info.duration)
            case "steps": row.steps.map { .number(Double($0)) }
            case "findings": .number(Double(row.findings))
            case let metric where metrics.contains(metric): row.summaries[metric].flatMap { $0.best.isNaN ? nil : .number($0.best) }
            default:
                switch row.params[column] {
                case let .string(text)?: .text(text)
                case let value?: value.number.flatMap { $0.isNaN ? nil : .number($0) }
                case nil: nil
                }
            }
        }
        let keyed = rows.map { (row: $0, key: key($0)) }
        return keyed.enumerated().sorted { a, b in
            switch (a.element.key, b.element.key) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return false
            case (_, nil): return true
            case let (.number(x)?, .number(y)?) where x != y: return descending ? x > y : x < y
            case let (.text(x)?, .text(y)?) where x != y: return descending ? x > y : x < y
            case (.number?, .text?): return true
            case (.text?, .number?): return false
            default: return a.offset < b.offset
            }
        }.map(\.element.row)
    }

    /// This page's URL with the current filters and a new sort.
    private func link(sort: String, order: String) -> String {
        var pairs = ["name", "status", "kind", "tag"].compactMap { name in query.value(name).map { (name, $0) } }
        pairs += [("sort", sort), ("order", order)]
        return XMLText.escape("/?" + pairs.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&"))
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private func filterForm(name: String?, status: RunStatus?, kind: RunKind?, tag: String?, sort: String, order: String) -> String {
        func options(_ values: [String], selected: String?) -> String {
            "<option value=\"\">any</option>" + values.map { "<option\($0 == selected ? " selected" : "")>\($0)</option>" }.joined()
        }
        return "<form class=\"filters\" method=\"get\" action=\"/\">"
            + "<label>name contains<input name=\"name\" value=\"\(XMLText.escape(name ?? ""))\"></label>"
            + "<label>status<select name=\"status\">\(options(RunStatus.allCases.map(\.rawValue), selected: status?.rawValue))</select></label>"
            + "<label>kind<select name=\"kind\">\(options(RunKind.allCases.map(\.rawValue), selected: kind?.rawValue))</select></label>"
            + "<label>tag<input name=\"tag\" value=\"\(XMLText.escape(tag ?? ""))\" size=\"10\"></label>"
            + "<input type=\"hidden\" name=\"sort\" value=\"\(XMLText.escape(sort))\"><input type=\"hidden\" name=\"order\" value=\"\(order)\">"
            + "<button type=\"submit\">Filter</button> <a href=\"/\">clear</a></form>\n"
    }
}
