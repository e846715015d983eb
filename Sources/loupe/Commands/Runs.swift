import ArgumentParser
import Foundation
import LoupeCore
import LoupeReport
import LoupeStore
import LoupeTrain

/// `loupe runs`: the run store from the command line.
struct Runs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect, compare, tag and delete recorded runs.",
        discussion: """
            Every `loupe train` and `loupe debug` (and each --fix attempt, linked to its run) is \
            recorded in the run store, runs/loupe.sqlite unless --store or $LOUPE_STORE say \
            otherwise. A run is named by its id, any unique prefix of it, or its name (the latest \
            run of that name).

            Examples:
              loupe runs list --sort validation/accuracy
              loupe runs show digits-mlp
              loupe runs compare 0193a1 0193a2 --html runs/compare.html
              loupe runs tag digits-mlp baseline
              loupe runs delete 0193a1 --yes
              loupe runs export --tensorboard runs/tb && tensorboard --logdir runs/tb
            """,
        subcommands: [List.self, Show.self, Compare.self, Tag.self, Delete.self, Export.self]
    )
}

extension Runs {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A table of runs, newest first or sorted by a metric's best value.")

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Only runs with this name.") var name: String?
        @Option(help: "Only runs with this status (\(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))).") var status: RunStatus?
        @Option(help: "Only runs of this kind (\(RunKind.allCases.map(\.rawValue).joined(separator: ", "))).") var kind: RunKind?
        @Option(help: "Only runs with this tag.") var tag: String?
        @Option(help: "Only runs whose hyperparameter KEY has VALUE (KEY=VALUE, e.g. train.optimizer=adam); repeatable.")
        var param: [String] = []
        @Option(help: "Sort by this metric's best value (lowest for losses and errors, highest otherwise), e.g. validation/accuracy.")
        var sort: String?
        @Option(help: "Show at most this many runs.") var limit: Int?
        @Flag(help: "Print JSON: one object per run with its info, hyperparameters and metric summaries.") var json = false

        func run() throws {
            let store = try storeOptions.open()
            let filters = try param.map { text -> (String, String) in
                let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--param takes KEY=VALUE, got '\(text)'") }
                return (parts[0], parts[1])
            }
            var rows = try store.runs(name: name, status: status, kind: kind, tag: tag).map { try RunRow(store: store, info: $0) }
            rows = rows.filter { row in filters.allSatisfy { row.params[$0.0]?.description == $0.1 } }
            if let sort {
                let goal = MetricGoal(key: sort)
                rows.sort { a, b in
                    let (x, y) = (a.summaries[sort]?.best ?? .nan, b.summaries[sort]?.best ?? .nan)
                    return x.isNaN != y.isNaN ? !x.isNaN : goal.prefers(x, over: y)
                }
            }
            if let limit { rows = Array(rows.prefix(max(limit, 0))) }
            if json {
                print(String(decoding: try LoupeJSON.encoder().encode(rows), as: UTF8.self))
                return
            }
            guard !rows.isEmpty else { print("No runs in \(store.path)."); return }
            let metricKeys = sort.map { [$0] } ?? Array(Set(rows.flatMap(\.summaries.keys)).filter {
                $0.hasPrefix("validation/") || $0.hasPrefix("final/test/")
            }.sorted().prefix(3))
            var table = [["ID", "NAME", "KIND", "STATUS", "STARTED", "TIME", "STEPS"] + metricKeys.map { "BEST " + $0 } + ["FINDINGS", "TAGS"]]
            for row in rows {
                let i = row.info
                table.append([String(i.id.prefix(12)), i.name, i.kind.rawValue, i.status.rawValue, RunRow.date(i.startedAt),
                              RunRow.duration(i.duration), row.summaries["train/loss"].map { String($0.lastStep) } ?? "-"]
                             + metricKeys.map { key in row.summaries[key].map { NumberText.readable($0.best) } ?? "-" }
                             + [String(row.findings), i.tags.joined(separator: ",")])
            }
            print(TextTable.render(table))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One run: its context, hyperparameters, metrics, findings and files.")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "A run id, id prefix or name.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let store = try storeOptions.open()
            let row = try RunRow(store: store, info: store.run(store.resolve(self.id)))
            let artifacts = try store.artifacts(row.info.id), children = try store.children(row.info.id)
            if json {
                struct Output: Encodable {
                    let run: RunRow; let artifacts: [Artifact]; let children: [String]; let findings: [String]; let benchmarks: [String]
                }
                let findings = try store.records(row.info.id, kind: "finding").map(\.json)
                let benchmarks = try store.records(row.info.id, kind: "benchmark").map(\.json)
                print(String(decoding: try LoupeJSON.encoder().encode(Output(run: row, artifacts: artifacts, children: children, findings: findings,
                                                                             benchmarks: benchmarks)), as: UTF8.self))
                return
            }
            let i = row.info
            print(Terminal.bold("Run \(i.id)") + "  \(i.name)  \(i.kind.rawValue)  \(i.status.rawValue)" + (i.error.map { Terminal.yellow("  \($0)") } ?? ""))
            var facts: [[String]] = [["started", RunRow.date(i.startedAt) + " (\(RunRow.duration(i.duration)))"], ["command", i.command],
                                     ["host", "\(i.host), \(i.cpu), \(i.threads) thread(s)"], ["loupe", i.version]]
            if let commit = i.gitCommit { facts.append(["git", String(commit.prefix(12)) + (i.gitDirty == true ? " (uncommitted changes)" : "")]) }
            if let seed = i.seed { facts.append(["seed", String(seed)]) }
            if let parent = i.parentID { facts.append(["derived from", parent]) }
            if !children.isEmpty { facts.append(["derived runs", children.joined(separator: ", ")]) }
            if !i.tags.isEmpty { facts.append(["tags", i.tags.joined(separator: ", ")]) }
            print(TextTable.render(facts, header: false))
            if !row.params.isEmpty {
                print(Terminal.bold("\nHyperparameters"))
                print(TextTable.render(row.params.keys.sorted().map { [$0, row.params[$0]!.description] }, header: false))
            }
            if !row.summaries.isEmpty {
                print(Terminal.bold("\nMetrics"))
                print(TextTable.render([["KEY", "BEST", "AT STEP", "LAST", "POINTS"]] + row.summaries.keys.sorted().map { key in
                    let s = row.summaries[key]!
                    return [key, NumberText.readable(s.best), s.bestStep.map(String.init) ?? "-", NumberText.readable(s.last), String(s.count)]
                }))
            }
            let benchmarks = try store.records(i.id, kind: "benchmark")
            if !benchmarks.isEmpty {
                print(Terminal.bold("\nBenchmark lines"))
                for record in benchmarks { print("  " + record.json) }
            }
            let findings = try store.records(i.id, kind: "finding")
            if !findings.isEmpty {
                print(Terminal.bold("\nFindings"))
                for record in findings {
                    let object = (try? JSONSerialization.jsonObject(with: Data(record.json.utf8))) as? [String: Any]
                    print("  \(object?["severity"] as? String ?? "?")  \(object?["kind"] as? String ?? "?")")
                }
            }
            if !artifacts.isEmpty {
                print(Terminal.bold("\nFiles"))
                print(TextTable.render(artifacts.map { [$0.role, $0.path, "\($0.bytes) bytes", String($0.sha256.prefix(12))] }, header: false))
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Runs side by side: the hyperparameters that differ, metrics best and last, overlaid curves.")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "Two or more run ids, id prefixes or names.") var runs: [String]
        @Option(help: "Write the overlaid curves as an HTML page of SVG charts here (default: runs/compare-ID-ID.html).") var html: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard runs.count >= 2 else { throw ValidationError("compare needs two or more runs") }
            let store = try storeOptions.open()
            let rows = try runs.map { try RunRow(store: store, info: store.run(store.resolve($0))) }
            let keys = Set(rows.flatMap(\.params.keys)).sorted()
            let differing = keys.filter { key in Set(rows.map { $0.params[key]?.description ?? "-" }).count > 1 }
            let metrics = Set(rows.flatMap(\.summaries.keys)).sorted()
            if json {
                struct Output: Encodable { let runs: [RunRow]; let differingParams: [String] }
                print(String(decoding: try LoupeJSON.encoder().encode(Output(runs: rows, differingParams: differing)), as: UTF8.self))
                return
            }
            let ids = rows.map { String($0.info.id.prefix(12)) }
            print(Terminal.bold("Hyperparameters that differ") + (differing.isEmpty ? " (none)" : ""))
            if !differing.isEmpty {
                print(TextTable.render([["KEY"] + ids] + differing.map { key in [key] + rows.map { $0.params[key]?.description ?? "-" } }))
            }
            print(Terminal.bold("\nMetrics (best / last)"))
            print(TextTable.render([["KEY"] + ids] + metrics.map { key in
                [key] + rows.map { row in row.summaries[key].map { "\(NumberText.readable($0.best)) / \(NumberText.readable($0.last))" } ?? "-" }
            }))
            let url = URL(fileURLWithPath: html ?? "runs/compare-\(rows.map { String($0.info.id.prefix(8)) }.joined(separator: "-")).html")
            let charts = try metrics.filter { !$0.hasPrefix("final/") }.map { key -> String in
                let series = try rows.map { row in
                    let points = try store.scalars(row.info.id, key: key)
                    return LineChart.Series("\(row.info.name) \(String(row.info.id.prefix(8)))", x: points.map { Double($0.step) }, y: points.map(\.value),
                                            showsPoints: points.count < 60)
                }
                return "<figure>" + LineChart(title: key, xTitle: "step", yTitle: key, series: series).svg + "</figure>"
            }
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let page = HTMLPage(title: "Loupe compare: " + rows.map(\.info.name).joined(separator: " vs "), body: charts.joined(separator: "\n"))
            try AtomicFile.write(Data(page.html.utf8), to: url)
            print(Terminal.dim("\nCurves: \(url.path)"))
        }
    }

    struct Tag: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add tags to a run (or remove them with --remove).")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "A run id, id prefix or name.") var id: String
        @Argument(help: "Tags: letters, digits, '-', '_', '.', ':'.") var tags: [String]
        @Flag(help: "Remove the tags instead.") var remove = false

        func run() throws {
            let store = try storeOptions.open()
            let id = try store.resolve(self.id)
            try remove ? store.tag(id, remove: tags) : store.tag(id, add: tags)
            print("\(id): " + (try store.run(id).tags.joined(separator: ", ")))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete runs and the files they recorded.")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "Run ids, id prefixes or names.") var runs: [String]
        @Flag(help: "Do not ask for confirmation.") var yes = false

        func run() throws {
            let store = try storeOptions.open()
            let ids = try runs.map { try store.resolve($0) }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else { throw ValidationError("deleting needs confirmation: pass --yes") }
                print("Delete \(ids.count) run(s) and their files (\(ids.joined(separator: ", ")))? [y/N] ", terminator: "")
                guard readLine()?.lowercased().hasPrefix("y") == true else { print("Nothing deleted."); return }
            }
            // A run still training in its folder is not deleted under it.
            // (The store marked runs whose process died as crashed when it opened.)
            for id in ids {
                if try store.run(id).status == .running {
                    throw CommandFailure("\(id) is still running; stop it first (or wait for it to finish)")
                }
                if let folder = RunFolders.folder(of: id, holding: try store.artifacts(id).map(\.path)),
                   let holder = RunLock.holder(of: folder) {
                    throw CommandFailure("\(id) is still in use by \(holder); stop it first")
                }
            }
            for id in ids {
                let artifacts = try store.delete(id)
                for artifact in artifacts { try? FileManager.default.removeItem(atPath: artifact.path) }
                // The rest of the run's own folder (runs/<name>/<id>/) goes too.
                let folder = try RunFolders.removeFolder(of: id, holding: artifacts.map(\.path))
                print("deleted \(id) (\(artifacts.count) file(s)\(folder.map { ", folder \($0.path)" } ?? ""))")
            }
        }
    }
}

extension Runs {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write runs as TensorBoard event files (scalars, histograms, findings, HParams).")

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The TensorBoard log directory to write (one folder per run, NAME-ID/).") var tensorboard: String
        @Argument(help: "Run ids, id prefixes or names (default: every run).") var runs: [String] = []

        func run() throws {
            let store = try storeOptions.open()
            let ids = runs.isEmpty ? try store.runs().map(\.id) : try runs.map { try store.resolve($0) }
            guard !ids.isEmpty else { throw ValidationError("no runs in \(store.path) to export") }
            let folders = try store.exportTensorBoard(ids, to: URL(fileURLWithPath: tensorboard))
            print("wrote \(folders.count) run(s) to \(tensorboard) (open with `tensorboard --logdir \(tensorboard)`)")
        }
    }
}

extension RunStatus: ExpressibleByArgument {}
extension RunKind: ExpressibleByArgument {}

/// A run with what the tables show of it.
struct RunRow: Encodable {
    let info: RunInfo
    let params: [String: ParamValue]
    let summaries: [String: ScalarSummary]
    let findings: Int

    init(store: RunStore, info: RunInfo) throws {
        self.info = info
        params = try store.params(info.id)
        summaries = try store.summaries(info.id)
        findings = try store.records(info.id, kind: "finding").count
    }

    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60 ? String(format: "%.1fs", seconds) : seconds < 3600 ? String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
            : String(format: "%dh%02dm", Int(seconds) / 3600, Int(seconds) % 3600 / 60)
    }
}

/// Columns padded to their widest cell.
enum TextTable {
    static func render(_ rows: [[String]], header: Bool = true) -> String {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.enumerated().map { r, row in
            let line = row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
            return header && r == 0 ? Terminal.bold(line) : line
        }.joined(separator: "\n")
    }
}
