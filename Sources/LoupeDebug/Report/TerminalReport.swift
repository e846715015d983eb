import Foundation
import LoupeReport

/// The findings as text for a terminal, most important first, each with its evidence and ranked
/// fixes; styled with LoupeReport's ``TerminalStyle``.
public enum TerminalReport {
    /// The report as text; `colour` turns the styling on (callers pass
    /// `TerminalStyle.standardOutput.usesColor`, tests force it either way).
    public static func render(_ report: DebugReport, colour: Bool) -> String {
        let style = TerminalStyle(usesColor: colour)
        func severity(_ f: Finding) -> String {
            switch (f.kind, f.severity) {
            case (.healthy, _): return style.colored("healthy", .green, bold: true)
            case (_, .error): return style.colored("error", .red, bold: true)
            case (_, .warning): return style.colored("warning", .yellow, bold: true)
            case (_, .info): return style.colored("info", .blue, bold: true)
            }
        }
        func values(_ values: [String: Double]) -> String {
            values.keys.sorted().map { "\($0) \(NumberText.readable(values[$0] ?? .nan))" }.joined(separator: ", ")
        }
        var out = style.bold("Debug report: \(report.run)") + String(format: "  (%d steps, %d epochs, %.1f s)", report.steps, report.epochs, report.seconds)
        if let reason = report.stopReason { out += "\n" + style.dim("stopped: \(reason)") }
        out += "\n"
        for (i, f) in report.findings.enumerated() {
            out += "\n\(i + 1). \(severity(f)) \(style.bold(f.kind.rawValue))"
            out += String(format: "  confidence %.2f", f.confidence)
            if let step = f.firstStep { out += "  from step \(step)" }
            if !f.layers.isEmpty { out += "  in " + f.layers.prefix(4).joined(separator: ", ") + (f.layers.count > 4 ? ", …" : "") }
            out += "\n   " + wrap(f.explanation, width: 96, indent: "   ")
            if !f.evidence.isEmpty { out += "\n   " + style.dim("evidence: " + values(f.evidence)) }
            for (j, fix) in f.fixes.enumerated() {
                out += "\n   " + (j == 0 ? style.colored("fix:", .green) : "    ") + " \(j + 1). \(fix.description)"
            }
            out += "\n"
        }
        for a in report.fixAttempts {
            let top = a.findingsAfter.first.map { "\($0.kind.rawValue) (\($0.severity.rawValue))" } ?? "?"
            out += "\n" + style.bold("Fix attempt \(a.attempt)") + " for \(a.addressed.rawValue): \(a.fix.description)\n"
            out += "   re-run: top finding \(top); "
                + (a.cured ? style.colored("cured", .green, bold: true) : style.colored("not cured", .red, bold: true))
            if let v = a.metricsAfter["validation"] ?? a.metricsAfter["test"] { out += "; validation " + values(v) }
            out += "\n"
        }
        if let repaired = report.repairedRunFile { out += "\n" + style.colored("Repaired run file: \(repaired)", .green, bold: true) + "\n" }
        if let html = report.htmlReport { out += style.dim("HTML report: \(html)") + "\n" }
        return out
    }

    /// Greedy word wrap.
    static func wrap(_ text: String, width: Int, indent: String) -> String {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + word.count + 1 > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n" + indent)
    }
}
