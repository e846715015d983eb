import Foundation

/// The findings as text for a terminal: colour when `colour` is on (callers pass whether stdout is
/// a TTY), most important first, each with its evidence and ranked fixes.
public enum TerminalReport {
    public static func render(_ report: DebugReport, colour: Bool) -> String {
        func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        func severity(_ f: Finding) -> String {
            switch (f.kind, f.severity) {
            case (.healthy, _): return paint("healthy", "1;32")
            case (_, .error): return paint("error", "1;31")
            case (_, .warning): return paint("warning", "1;33")
            case (_, .info): return paint("info", "1;34")
            }
        }
        var out = paint("Debug report: \(report.run)", "1") + String(format: "  (%d steps, %d epochs, %.1f s)", report.steps, report.epochs, report.seconds)
        if let reason = report.stopReason { out += "\n" + paint("stopped: \(reason)", "2") }
        out += "\n"
        for (i, f) in report.findings.enumerated() {
            out += "\n\(i + 1). \(severity(f)) \(paint(f.kind.rawValue, "1"))"
            out += String(format: "  confidence %.2f", f.confidence)
            if let step = f.firstStep { out += "  from step \(step)" }
            if !f.layers.isEmpty { out += "  in " + f.layers.prefix(4).joined(separator: ", ") + (f.layers.count > 4 ? ", …" : "") }
            out += "\n   " + wrap(f.explanation, width: 96, indent: "   ")
            if !f.evidence.isEmpty {
                out += "\n   " + paint("evidence: " + f.evidence.keys.sorted().map { "\($0) \(fmt(f.evidence[$0]!))" }.joined(separator: ", "), "2")
            }
            for (j, fix) in f.fixes.enumerated() {
                out += "\n   " + (j == 0 ? paint("fix:", "32") : "    ") + " \(j + 1). \(fix.description)"
            }
            out += "\n"
        }
        for a in report.fixAttempts {
            let top = a.findingsAfter.first.map { "\($0.kind.rawValue) (\($0.severity.rawValue))" } ?? "?"
            out += "\n" + paint("Fix attempt \(a.attempt)", "1") + " for \(a.addressed.rawValue): \(a.fix.description)\n"
            out += "   re-run: top finding \(top); " + (a.cured ? paint("cured", "1;32") : paint("not cured", "1;31"))
            if let v = a.metricsAfter["validation"] ?? a.metricsAfter["test"] {
                out += "; validation " + v.keys.sorted().map { "\($0) \(fmt(v[$0]!))" }.joined(separator: ", ")
            }
            out += "\n"
        }
        if let repaired = report.repairedRunFile { out += "\n" + paint("Repaired run file: \(repaired)", "1;32") + "\n" }
        if let html = report.htmlReport { out += paint("HTML report: \(html)", "2") + "\n" }
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
