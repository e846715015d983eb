import LoupeReport

/// The compression report as a page: the table, the recommendation, quality against cost with
/// the Pareto front, and links to each result's evaluation and debug reports.
public struct CompressionPage {
    public let report: CompressionReport
    public init(_ report: CompressionReport) { self.report = report }

    public var html: String {
        let rows = report.rows
        var body = "<h1>Compression of \(XMLText.escape(report.run))</h1>\n"
        body += "<p class=\"note\">Every variant evaluated on the \(XMLText.escape(report.data)); ★ is on the Pareto front of quality against cost.</p>\n"
        body += "<table>\n<tr>" + rows[0].map { "<th>\(XMLText.escape($0))</th>" }.joined() + "</tr>\n"
        for row in rows.dropFirst() { body += "<tr>" + row.map { "<td>\(XMLText.escape($0))</td>" }.joined() + "</tr>\n" }
        body += "</table>\n<p>\(XMLText.escape(report.comparison.recommendation))</p>\n"
        body += "<h2>Quality against cost</h2>\n\(report.comparison.paretoChart.svg)\n<h2>Runs</h2>\n<ul>\n"
        for r in report.results {
            let notes = r.notes.isEmpty ? "" : " — " + XMLText.escape(r.notes.joined(separator: ", "))
            body += "<li><b>\(XMLText.escape(r.label))</b>: <code>\(XMLText.escape(r.folder))</code> "
                + "(<a href=\"file://\(XMLText.escape(r.folder))/eval/report.html\">evaluation</a>)\(notes)</li>\n"
        }
        body += "</ul>\n"
        return HTMLPage(title: "Compression of \(report.run)", body: body).html
    }
}
