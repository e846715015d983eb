import Foundation
import LoupeCore
import LoupeReport

/// The `loupe debug` report as one self-contained HTML page: the run, the findings with their
/// evidence and fixes, where NaN/∞ first appeared, the training curves and per-layer statistics
/// as inline SVG (LoupeReport's ``LineChart``, ``Heatmap`` and ``Histogram``), and the `--fix`
/// attempts.
///
/// The page (an ``HTMLPage``) has no scripts and loads nothing: it can be mailed, archived or
/// opened offline.
///
/// ```swift
/// try HTMLReport.write(report, telemetry: telemetry, to: runDirectory.appendingPathComponent("debug.html"))
/// ```
public enum HTMLReport {
    /// The whole HTML document for `report` and the telemetry it was diagnosed from.
    public static func render(_ report: DebugReport, telemetry: Telemetry) -> String {
        var body = header(report, telemetry)
        body += findings(report.findings)
        if let event = telemetry.nonFinite { body += nonFinite(event) }
        if let f = telemetry.fineTune { body += fineTune(f) }
        if let r = telemetry.ranks { body += ranks(r) }
        body += curves(report, telemetry)
        body += layers(report, telemetry)
        if !report.fixAttempts.isEmpty { body += fixAttempts(report) }
        return HTMLPage(title: "Loupe debug: \(report.run)", stylesheet: stylesheet, body: body).html
    }

    /// Writes the page to `url` atomically: a reader sees the previous report or the complete new one.
    public static func write(_ report: DebugReport, telemetry: Telemetry, to url: URL) throws {
        try AtomicFile.write(Data(render(report, telemetry: telemetry).utf8), to: url)
    }

    static func esc(_ text: String) -> String { XMLText.escape(text) }

    static func num(_ value: Double) -> String { NumberText.readable(value) }

    /// The CSS class carrying a finding's colour: green for healthy, else by severity.
    static func tone(_ kind: FindingKind, _ severity: Severity) -> String {
        kind == .healthy ? "healthy" : severity.rawValue
    }

    /// The colour of a finding's marker on the loss chart (matches the card).
    static func toneColor(_ kind: FindingKind, _ severity: Severity) -> String {
        Palette.severity(tone(kind, severity))
    }

    private static func header(_ report: DebugReport, _ telemetry: Telemetry) -> String {
        var html = "<header class=\"run\">\n<h1>Loupe debug report: \(esc(report.run))</h1>\n"
        html += "<p class=\"file\">\(esc(report.runFile))</p>\n"
        let verdict = report.hasProblems
            ? "\(report.findings.filter { $0.severity >= .warning }.count) problem(s) found"
            : "No problems found"
        html += "<p class=\"verdict \(report.hasProblems ? "bad" : "good")\">\(verdict)"
        if let top = report.top, top.kind != .healthy { html += "; most important: <b>\(esc(top.kind.rawValue))</b>" }
        html += "</p>\n<dl class=\"facts\">"
        var facts: [(String, String)] = [
            ("Steps", String(report.steps)), ("Epochs", String(report.epochs)),
            ("Time", String(format: "%.1f s", report.seconds)), ("Stopped", report.stopReason ?? "completed"),
        ]
        let model = telemetry.model
        if !model.loss.isEmpty { facts.append(("Loss", model.loss)) }
        if !model.optimizer.isEmpty { facts.append(("Optimizer", model.optimizer)) }
        if model.parameters > 0 { facts.append(("Parameters", String(model.parameters))) }
        if let mean = telemetry.data.inputMean, let std = telemetry.data.inputStd {
            facts.append(("Inputs", "mean \(num(mean)), std \(num(std))"))
        }
        if let classes = telemetry.data.classes { facts.append(("Classes", String(classes))) }
        for (name, value) in facts { html += "<div><dt>\(esc(name))</dt><dd>\(esc(value))</dd></div>" }
        html += "</dl>\n" + metricsTable(report.metrics)
        var files: [(String, String)] = []
        if let path = report.telemetryFile { files.append(("Telemetry", path)) }
        if let path = report.repairedRunFile { files.append(("Repaired run file", path)) }
        for (name, path) in files { html += "<p class=\"file\">\(esc(name)): <code>\(esc(path))</code></p>\n" }
        return html + "</header>\n"
    }

    /// Final metrics: one row per split (train, validation, test first), one column per metric.
    static func metricsTable(_ metrics: [String: [String: Double]]) -> String {
        guard !metrics.isEmpty else { return "" }
        let known = ["train", "validation", "test"]
        let splits = known.filter { metrics[$0] != nil } + metrics.keys.filter { !known.contains($0) }.sorted()
        let names = Set(metrics.values.flatMap(\.keys)).sorted()
        var html = "<table class=\"metrics\"><tr><th>split</th>" + names.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
        for split in splits {
            html += "<tr><td>\(esc(split))</td>"
                + names.map { name in "<td>\(metrics[split]?[name].map(num) ?? "")</td>" }.joined() + "</tr>"
        }
        return html + "</table>\n"
    }

    private static func findings(_ findings: [Finding]) -> String {
        var html = "<section>\n<h2>Findings</h2>\n"
        if findings.isEmpty { html += "<p class=\"note\">The diagnosis reported nothing.</p>\n" }
        for finding in findings { html += card(finding) }
        return html + "</section>\n"
    }

    private static func card(_ f: Finding) -> String {
        var html = "<article class=\"finding \(tone(f.kind, f.severity))\">\n<h3><span class=\"badge\">"
            + "\(esc(f.kind == .healthy ? "healthy" : f.severity.rawValue))</span> \(esc(f.kind.rawValue))</h3>\n"
        var meta = ["confidence \(String(format: "%.0f%%", f.confidence * 100))"]
        if let step = f.firstStep { meta.append("first seen at step \(step)") }
        if !f.layers.isEmpty { meta.append("layers: " + f.layers.joined(separator: ", ")) }
        html += "<p class=\"meta\">\(esc(meta.joined(separator: " · ")))</p>\n"
        html += "<p>\(esc(f.explanation))</p>\n"
        if !f.evidence.isEmpty {
            html += "<table class=\"evidence\"><tr><th>evidence</th><th>value</th></tr>"
            for key in f.evidence.keys.sorted() {
                html += "<tr><td>\(esc(key))</td><td>\(esc(num(f.evidence[key]!)))</td></tr>"
            }
            html += "</table>\n"
        }
        if !f.fixes.isEmpty {
            html += "<ol class=\"fixes\">"
            for fix in f.fixes {
                html += "<li>\(esc(fix.description))"
                // Fixes `--fix` can apply by itself are marked, with the run-file change on hover.
                if let action = fix.action {
                    html += " <span class=\"auto\" title=\"\(esc(String(describing: action)))\">--fix</span>"
                }
                html += "</li>"
            }
            html += "</ol>\n"
        }
        return html + "</article>\n"
    }

    private static func nonFinite(_ event: NonFiniteEvent) -> String {
        var html = "<section>\n<h2>First non-finite value</h2>\n<dl class=\"facts\">"
        let facts = [("Phase", event.phase.rawValue), ("Step", String(event.step)), ("Op", event.op),
                     ("Module", event.modulePath ?? "(none)")]
        for (name, value) in facts { html += "<div><dt>\(esc(name))</dt><dd>\(esc(value))</dd></div>" }
        html += "</dl>\n<table class=\"tensors\"><tr><th>tensor</th><th>shape</th><th>mean</th><th>std</th>"
            + "<th>min</th><th>max</th><th>non-finite</th></tr>"
        let rows = event.inputs.enumerated().map { ("input \($0.offset)", $0.element) } + (event.output.map { [("output", $0)] } ?? [])
        for (name, s) in rows {
            let stats = [s.mean, s.std, s.min, s.max].map { "<td>\($0.map(num).map(esc) ?? "–")</td>" }.joined()
            let shape = "[" + s.shape.map(String.init).joined(separator: ", ") + "]"
            html += "<tr\(s.nonFinite > 0 ? " class=\"bad\"" : "")><td>\(name)</td><td>\(shape)</td>\(stats)<td>\(s.nonFinite)</td></tr>"
        }
        return html + "</table>\n</section>\n"
    }

    private static func fixAttempts(_ report: DebugReport) -> String {
        var html = "<section>\n<h2>Fix attempts</h2>\n<table class=\"attempts\"><tr><th>#</th><th>addressed</th><th>fix</th>"
            + "<th>cured</th><th>top finding after</th><th>metrics after</th></tr>"
        for a in report.fixAttempts {
            let top = a.findingsAfter.first.map { $0.kind == .healthy ? "healthy" : "\($0.kind.rawValue) (\($0.severity.rawValue))" } ?? "–"
            html += "<tr><td>\(a.attempt)</td><td>\(esc(a.addressed.rawValue))</td>"
                + "<td>\(esc(a.fix.description))<br><code>\(esc(a.runFile))</code></td>"
                + "<td class=\"\(a.cured ? "good" : "bad")\">\(a.cured ? "yes" : "no")</td>"
                + "<td>\(esc(top))</td><td>\(esc(keyMetrics(a.metricsAfter)))</td></tr>"
        }
        return html + "</table>\n</section>\n"
    }

    /// The metrics of the split that says most about generalisation (validation, else test, else train).
    static func keyMetrics(_ metrics: [String: [String: Double]]) -> String {
        guard let split = ["validation", "test", "train"].first(where: { metrics[$0] != nil }) ?? metrics.keys.sorted().first,
              let values = metrics[split] else { return "–" }
        return split + ": " + values.keys.sorted().map { "\($0) \(num(values[$0]!))" }.joined(separator: ", ")
    }
}
