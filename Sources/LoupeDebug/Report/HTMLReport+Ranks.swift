import Foundation
import LoupeReport

/// The report's section on a data-parallel run: each rank's median step split into computing and
/// waiting for the others (a straggler shows as one rank that computes while the others wait),
/// and what the weight checksums found.
extension HTMLReport {
    static func ranks(_ r: RankTelemetry) -> String {
        var html = "<section>\n<h2>Ranks</h2>\n<dl class=\"facts\">"
        let facts = [("Ranks", String(r.worldSize)), ("Buckets", String(r.buckets)),
                     ("Reduction", r.deterministicReduce ? "deterministic (rank order)" : "MPI all-reduce"),
                     ("Steps", String(r.steps)),
                     ("Checksums", r.checksums == 0 ? "none compared" : "\(r.checksums) compared, \(r.desyncs.count) disagreed")]
        for (name, value) in facts { html += "<div><dt>\(esc(name))</dt><dd>\(esc(value))</dd></div>" }
        html += "</dl>\n<div class=\"grid\">\n"
        let slow = r.straggler?.rank
        func bars(_ value: (RankTelemetry.Rank) -> Double, _ what: String) -> [BarChart.Bar] {
            r.ranks.map { rank in
                BarChart.Bar(label: "rank \(rank.rank)", value: value(rank), tooltip: "rank \(rank.rank): \(num(value(rank))) ms \(what)",
                             color: rank.rank == slow ? Palette.severity("warning") : nil)
            }
        }
        let compute = BarChart(title: "Computing per step (ms, median)", bars: bars(\.computeMs, "computing"), scale: .fromZero(maximum: nil))
        html += figure(compute.svg, "Each rank's median step less its waits: the work of its share of the batch."
                       + (slow.map { " Rank \($0), the straggler, is marked." } ?? ""))
        let wait = BarChart(title: "Waiting for the others per step (ms, median)", bars: bars(\.waitMs, "waiting"), scale: .fromZero(maximum: nil))
        html += figure(wait.svg, "Time blocked on the gradients' reduction and synchronised ops: a rank waits for the slowest.")
        html += "</div>\n<table class=\"metrics\">\n<tr><th>rank</th><th>step ms</th><th>computing ms</th><th>waiting ms</th><th>all-reduce in flight ms</th></tr>\n"
        for rank in r.ranks {
            html += "<tr><td>\(rank.rank)</td><td>\(num(rank.stepMs))</td><td>\(num(rank.computeMs))</td><td>\(num(rank.waitMs))</td><td>\(num(rank.communicationMs))</td></tr>\n"
        }
        html += "</table>\n"
        if !r.parametersWithoutGradient.isEmpty {
            html += "<p class=\"note\">Never a gradient on any rank: " + esc(r.parametersWithoutGradient.joined(separator: ", ")) + "</p>\n"
        }
        return html + "</section>\n"
    }
}
