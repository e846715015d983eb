import ArgumentParser
import Foundation
import LoupeCore
import LoupeEval
import LoupeReport
import LoupeStore

/// `loupe compare`: evaluated models side by side, quality against cost, and which is the best buy.
struct CompareEvaluations: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Which evaluated model is the best buy: quality against cost, the Pareto front, a recommendation.",
        discussion: """
            Each RUN is an evaluation (an `eval` run's id or prefix) or a training run or name, \
            whose newest evaluation is taken; --all takes the newest evaluation of every model \
            in the store (with --task to keep one kind). The table puts the quality figure \
            (default: macro_f1, else accuracy, r2, perplexity) beside the cost figures; the \
            Pareto front is the models no other beats on both quality and --cost (default: \
            usd_per_million). The recommendation names the cheapest model within --tolerance \
            of the best quality.

            Examples:
              loupe compare digits-cnn digits-mlp
              loupe compare --all --task classification --cost p95_latency_ms --tolerance 0.01
            """
    )

    @Argument(help: "Evaluations, training runs or run names.") var runs: [String] = []
    @Flag(help: "The newest evaluation of every model in the store.") var all = false
    @Option(help: "With --all: only classification, regression or language_model.") var task: String?
    @Option(help: "The quality figure (higher is better, except perplexity, losses and errors).") var quality: String?
    @Option(help: "The cost figure (lower is better).") var cost: String?
    @Option(help: "How far below the best quality still counts as as good (in the figure's units; 0.005 is half a point of F1).") var tolerance = 0.005
    @Option(help: ArgumentHelp("Write the HTML page (table and Pareto chart) here (default: runs/compare-evaluations.html).", valueName: "path"))
    var html: String?
    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard all || runs.count >= 2 else { throw ValidationError("compare needs two or more evaluations, or --all") }
        if let task, Evaluation.Task(rawValue: task) == nil { throw ValidationError("--task must be classification, regression or language_model") }
        guard tolerance.isFinite && tolerance >= 0 else { throw ValidationError("--tolerance must be a number ≥ 0") }
    }

    func run() throws {
        let store = try storeOptions.open()
        var entries: [EvaluationComparison.Entry] = []
        for reference in runs {
            let (id, evaluation) = try EvaluationStore.resolve(reference, in: store)
            entries.append(.init(label: "\(evaluation.model) \(id.prefix(8))", id: id, evaluation: evaluation))
        }
        if all {
            var seen = Set(entries.compactMap(\.id))
            var newestByModel: [String: Bool] = [:]
            for info in try store.runs(kind: .eval) where !seen.contains(info.id) {
                guard let e = try EvaluationStore.evaluation(of: info.id, in: store), newestByModel[e.model] == nil,
                      task.map({ $0 == e.task.rawValue }) ?? true else { continue }
                newestByModel[e.model] = true
                seen.insert(info.id)
                entries.append(.init(label: "\(e.model) \(info.id.prefix(8))", id: info.id, evaluation: e))
            }
        }
        guard entries.count >= 2 else { throw CommandFailure("found \(entries.count) evaluation(s); compare needs two or more (run loupe eval first)") }
        let comparison = EvaluationComparison(entries, quality: quality, cost: cost, tolerance: tolerance)
        for name in [comparison.quality, comparison.cost] where !entries.contains(where: { $0.evaluation.figures[name] != nil }) {
            let known = Set(entries.flatMap(\.evaluation.figures.keys)).sorted()
            throw CommandFailure("no evaluation has the figure \(name); there are " + known.joined(separator: ", "))
        }
        var columns: [String] = []
        for name in [comparison.quality, "accuracy", comparison.cost, "p95_latency_ms", "throughput_per_s", "size_mb", "parameters"]
            where !columns.contains(name) && entries.contains(where: { $0.evaluation.figures[name] != nil }) {
            columns.append(name)
        }
        let front = Set(comparison.front)
        if json {
            struct Output: Encodable {
                let quality: String, cost: String, tolerance: Double
                let models: [[String: String]]
                let front: [String]
                let recommendation: String
            }
            let models: [[String: String]] = entries.map { entry in
                var row = ["label": entry.label, "id": entry.id ?? ""]
                for name in columns { row[name] = entry.evaluation.figures[name].map { "\($0)" } ?? "" }
                return row
            }
            print(String(decoding: try LoupeJSON.encoder().encode(Output(quality: comparison.quality, cost: comparison.cost, tolerance: tolerance, models: models,
                                                                              front: comparison.front.map { entries[$0].label },
                                                                              recommendation: comparison.recommendation)), as: UTF8.self))
        } else {
            var rows: [[String]] = [["MODEL"] + columns.map { $0.uppercased() } + ["PARETO"]]
            for (i, entry) in entries.enumerated() {
                let values: [String] = columns.map { name in entry.evaluation.figures[name].map(NumberText.readable) ?? "-" }
                rows.append([entry.label] + values + [front.contains(i) ? "●" : ""])
            }
            print(TextTable.render(rows))
            print("\n" + comparison.recommendation)
        }
        let url = URL(fileURLWithPath: html ?? "runs/compare-evaluations.html")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(Self.page(comparison, columns: columns).html.utf8), to: url)
        if !json { print(Terminal.dim("Pareto chart: \(url.path)")) }
    }

    static func page(_ comparison: EvaluationComparison, columns: [String]) -> HTMLPage {
        let e = XMLText.escape
        let front = Set(comparison.front)
        var body = "<h1>Which model is the best buy</h1>\n<p><b>\(e(comparison.recommendation))</b></p>\n"
        body += "<figure>\(comparison.paretoChart.svg)</figure>\n<table><tr><th>model</th>" + columns.map { "<th>\(e($0))</th>" }.joined() + "<th>Pareto</th></tr>"
        for (i, entry) in comparison.entries.enumerated() {
            let cells: [String] = columns.map { name in "<td>\(entry.evaluation.figures[name].map(NumberText.readable) ?? "-")</td>" }
            body += "<tr><td>\(e(entry.label))</td>" + cells.joined() + "<td>\(front.contains(i) ? "●" : "")</td></tr>"
        }
        return HTMLPage(title: "Loupe compare: evaluations", body: body + "</table>\n")
    }
}
