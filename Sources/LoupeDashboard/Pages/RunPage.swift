import Foundation
import LoupeEval
import LoupeReport
import LoupeStore

/// `GET /runs/{id}`: one run — its status and context (host, CPU, threads, git, version,
/// command, seed, parent and derived runs, tags), its curves (``RunCharts``, with the findings on
/// the loss chart), the findings, the hyperparameters, the files it recorded (each linked to
/// `/runs/{id}/artifacts/{index}`) and its run file.
///
/// While the run is `running`, a few lines of script listen to `/runs/{id}/events` and, when the
/// newest step changes, fetch `/runs/{id}/charts` and swap it in; when the run ends, the page
/// reloads once to show how it ended. Without script the page is complete, only not live.
struct RunPage {
    let store: RunStore
    let id: String

    func html() throws -> String {
        try store.detectCrashes()
        let info = try store.run(id)
        let findings = try FindingRecord.all(of: id, in: store)
        let progress = try store.progress(id)
        let e = XMLText.escape
        var body = "<h1>\(e(info.name)) \(RunText.status(info.status))</h1>\n<p class=\"note\"><code>\(e(info.id))</code> · \(info.kind.rawValue)"
        if info.status == .running {
            body += " · <span class=\"live\" id=\"live\">live · step \(progress.lastStep.map(String.init) ?? "-")</span>"
        }
        body += "</p>\n"
        if let error = info.error { body += "<p class=\"problem\">\(e(error))</p>\n" }
        body += try facts(info)
        if info.kind == .eval, let evaluation = try EvaluationStore.evaluation(of: id, in: store) {
            // An evaluation's page is its report.
            body += "<section class=\"evaluation\">" + EvaluationReport(evaluation).body + "</section>\n"
        } else {
            let charts = try RunCharts.html(store: store, id: id, findings: findings)
            body += "<h2>Curves</h2>\n<div id=\"charts\">\n" + charts + "</div>\n"
        }
        body += try evaluations(of: info)
        if !findings.isEmpty {
            body += "<h2>Findings</h2>\n" + findings.map(\.card).joined()
        }
        let params = try store.params(id)
        if !params.isEmpty {
            body += "<h2>Hyperparameters</h2>\n<table><tr><th>key</th><th>value</th></tr>"
            for key in params.keys.sorted() { body += "<tr><td>\(e(key))</td><td>\(e(RunText.param(params[key])))</td></tr>" }
            body += "</table>\n"
        }
        let artifacts = try store.artifacts(id)
        if !artifacts.isEmpty {
            body += "<h2>Files</h2>\n<table><tr><th>role</th><th>file</th><th>bytes</th><th>sha256</th></tr>"
            for (index, artifact) in artifacts.enumerated() {
                let name = URL(fileURLWithPath: artifact.path).lastPathComponent
                body += "<tr><td>\(e(artifact.role))</td><td><a href=\"/runs/\(e(id))/artifacts/\(index)\" title=\"\(e(artifact.path))\">\(e(name))</a></td>"
                    + "<td class=\"num\">\(artifact.bytes)</td><td class=\"id\">\(e(String(artifact.sha256.prefix(12))))</td></tr>"
            }
            body += "</table>\n"
        }
        if let runFile = info.runFile {
            body += "<h2>Run file</h2>\n<pre>\(e(runFile))</pre>\n"
        }
        return PageLayout.page(title: "Loupe run \(info.name) \(info.id.prefix(12))", body: body,
                               script: info.status == .running ? Self.liveScript(id: id, points: progress.points) : nil)
    }

    /// A training run's evaluations: the newest one's report, and a line per evaluation with its
    /// headline figure and verdict, linked to its own page.
    private func evaluations(of info: RunInfo) throws -> String {
        guard info.kind != .eval else { return "" }
        let all = try EvaluationStore.evaluations(ofTraining: info.id, in: store)
        guard let newest = all.first else { return "" }
        let e = XMLText.escape
        var html = "<h2 id=\"evaluation\">Evaluation</h2>\n<table><tr><th>evaluation</th><th>data</th><th>headline</th><th>verdict</th></tr>"
        for (id, evaluation) in all {
            let headline = evaluation.headline.map { "\($0.name) \(NumberText.readable($0.value))" } ?? "-"
            let verdict = evaluation.verdict.map { $0.passed ? "PASS" : "FAIL" } ?? "-"
            html += "<tr><td class=\"id\">\(RunText.link(id))</td><td>\(e(evaluation.data))</td><td>\(e(headline))</td><td>\(verdict)</td></tr>"
        }
        html += "</table>\n"
        return html + "<section class=\"evaluation\">" + EvaluationReport(newest.evaluation).body + "</section>\n"
    }

    private func facts(_ info: RunInfo) throws -> String {
        var facts: [(String, String)] = [("started", RunText.date(info.startedAt)), ("duration", RunText.duration(info.duration)),
                                         ("host", info.host), ("cpu", info.cpu), ("threads", String(info.threads)), ("loupe", info.version)]
        if let commit = info.gitCommit { facts.append(("git", String(commit.prefix(12)) + (info.gitDirty == true ? " (uncommitted changes)" : ""))) }
        if let seed = info.seed { facts.append(("seed", String(seed))) }
        if !info.tags.isEmpty { facts.append(("tags", info.tags.joined(separator: ", "))) }
        var html = "<dl class=\"facts\">" + facts.map { "<div><dt>\($0.0)</dt><dd>\(XMLText.escape($0.1))</dd></div>" }.joined()
        if let parent = info.parentID { html += "<div><dt>derived from</dt><dd>\(RunText.link(parent))</dd></div>" }
        let children = try store.children(info.id)
        if !children.isEmpty { html += "<div><dt>derived runs</dt><dd>\(children.map(RunText.link).joined(separator: ", "))</dd></div>" }
        html += "</dl>\n<p class=\"note\">command: <code>\(XMLText.escape(info.command))</code></p>\n"
        return html
    }

    /// Listens to the run's events; fetches the charts again when the number of recorded points
    /// changes, reloads the page when the run ends.
    static func liveScript(id: String, points: Int) -> String {
        let base = "/runs/" + RunsPage.encode(id)
        return """
            (function () {
              var shown = \(points), latest = \(points), busy = false;
              function refresh() {
                if (busy || latest === shown) return;
                busy = true;
                var target = latest;
                fetch("\(base)/charts", { credentials: "same-origin" }).then(function (response) {
                  return response.ok ? response.text() : null;
                }).then(function (html) {
                  if (html !== null) document.getElementById("charts").innerHTML = html;
                }).finally(function () { shown = target; busy = false; refresh(); });
              }
              var source = new EventSource("\(base)/events");
              source.addEventListener("progress", function (event) {
                var progress = JSON.parse(event.data);
                var live = document.getElementById("live");
                if (live && progress.last_step !== undefined) live.textContent = "live · step " + progress.last_step;
                latest = progress.points;
                refresh();
              });
              source.addEventListener("end", function () { source.close(); location.reload(); });
            })();
            """
    }
}
