import ArgumentParser
import Foundation
import LoupeDebug
import LoupeDistributed
import LoupeTrain

/// `loupe debug RUN.toml`: trains a run with the health monitor attached and explains what is wrong.
struct Debug: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a run with the training debugger attached: find, explain and fix what goes wrong.",
        discussion: """
            The monitor records per-layer gradient, weight, update and activation statistics (every \
            step early on, then every --interval steps), the data's statistics and the loss; the \
            non-finite locator names the first op that produced NaN/∞. The diagnosis reports findings \
            (kinds: \(FindingKind.allCases.map(\.rawValue).joined(separator: ", "))), most \
            important first, with evidence and ranked fixes. runs/<name>/ gets health.json (the \
            recording) and report.html (plots). See docs/DEBUGGER.md.

            With --fix it applies the top finding's first fix, re-runs, and repeats (up to \
            --attempts times) until the run is healthy, then writes NAME.fixed.toml next to the run file.

            Several run files give one line each and, when a file's first line says \
            `# expect: KIND`, a tally of how many top findings matched.

            Examples:
              loupe debug examples/faults/lr-too-high-mlp-sgd.toml
              loupe debug examples/faults/lr-too-high-mlp-sgd.toml --fix
              loupe debug examples/faults/*.toml --json
              mpirun -np 2 loupe debug examples/distributed/digits-bn.toml   # every rank watched: straggler, rank_desync
            """
    )

    @Argument(help: "Run files (TOML).") var runFiles: [String]
    @Flag(help: "Apply the top suggested fix, re-run, and repeat until the run is healthy.") var fix = false
    @Option(help: "Most re-runs --fix makes.") var attempts = 3
    @Flag(help: "Print one JSON object per run file (findings most important first; schema in docs/DEBUGGER.md).") var json = false
    @Flag(inversion: .prefixedNo, help: "Check every op's output and gradient for NaN/∞ to name the first op that produced one.")
    var locateNonfinite = true
    @Option(help: "After the first 50 steps, sample per-layer statistics every this many steps.") var interval = 10
    @Option(help: "Where run directories go.") var runsDir = "runs"
    @Flag(help: "Skip the HTML report.") var noHtml = false
    @Option(help: "Also write TensorBoard event files, live, into DIR/<run name>/: the curves and each layer's weight and gradient histograms (open with `tensorboard --logdir DIR`).")
    var tensorboard: String?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup(title: "Data-parallel training (under mpirun; docs/DISTRIBUTED.md)") var distributedOptions: DistributedOptions

    func run() throws {
        guard let parallel = try distributedOptions.dataParallel() else { return try debug(parallel: nil) }
        try parallel.run(command: "debug", runFile: runFiles.first ?? "RUN.toml") { try debug(parallel: parallel) }
    }

    func debug(parallel: DistributedTraining?) throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        guard attempts >= 1, interval >= 1 else { throw ValidationError("--attempts and --interval must be ≥ 1") }
        if let parallel {
            guard runFiles.count == 1, !fix else {
                throw ValidationError("under mpirun, loupe debug takes one run file and no --fix (each fix attempt is a new run: debug it with mpirun again)")
            }
            if parallel.rank != 0 {
                // Another rank: it trains its share; rank 0 runs the debugger and writes the report.
                let config = try RunConfig(contentsOf: URL(fileURLWithPath: runFiles[0]))
                try parallel.checkSameRunFile(config)
                let run = try TrainingRun(config: config, directory: URL(fileURLWithPath: runsDir).appendingPathComponent(config.run.name))
                _ = try run.execute(progress: false, stopOnNonFinite: true, dataParallel: parallel)
                return
            }
        }
        var options = DebugSession.Options()
        options.dataParallel = parallel
        options.monitor.locateNonFinite = locateNonfinite
        options.monitor.interval = interval
        options.runsDirectory = URL(fileURLWithPath: runsDir)
        options.progress = !json && runFiles.count == 1
        options.maxFixAttempts = attempts
        options.writeHTML = !noHtml
        options.tensorBoardDirectory = tensorboard.map { URL(fileURLWithPath: $0) }
        options.store = try storeOptions.recordingStore()
        options.command = StoreOptions.commandLine
        let session = DebugSession(options: options)
        var tally = SuiteTally()
        var failures: [String] = []
        for file in runFiles {
            let config: RunConfig
            do { config = try RunConfig(contentsOf: URL(fileURLWithPath: file)) } catch let e as RunConfigError {
                throw CommandFailure(e.message(for: file))
            }
            try parallel?.checkSameRunFile(config)
            if !json && runFiles.count == 1 {
                print(Terminal.bold("Debugging \(config.run.name)") + Terminal.dim(" → \(session.options.runsDirectory.appendingPathComponent(config.run.name).path)"))
            }
            let report: DebugReport
            do {
                report = fix ? try session.fix(config, runFile: file) : try session.diagnose(config, runFile: file).report
            } catch where runFiles.count > 1 {
                // One broken run file should not hide the others' results.
                failures.append("\(file): \(error)")
                print("\(file): " + Terminal.yellow("error: \(error)"))
                continue
            }
            let expected = SuiteTally.expectedKind(file)
            tally.add(report, expected: expected, fixing: fix)
            if json {
                print(String(decoding: try report.jsonData(), as: UTF8.self))
            } else if runFiles.count == 1 {
                print(TerminalReport.render(report, colour: Terminal.style.usesColor))
            } else {
                print(tally.line(for: report, file: file, expected: expected))
            }
        }
        if !json && runFiles.count > 1 { print(tally.summary) }
        if !failures.isEmpty { throw ValidationError("\(failures.count) run file(s) failed:\n" + failures.joined(separator: "\n")) }
    }
}

/// Counts top findings against the `# expect: KIND` line of each run file.
struct SuiteTally {
    var total = 0, labelled = 0, correct = 0
    var healthyRuns = 0, healthyWithWarnings = 0
    var fixTried = 0, fixCured = 0
    var confusion: [String: [String: Int]] = [:]

    static func expectedKind(_ file: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("# expect:") }) else { return nil }
        return line.dropFirst("# expect:".count).trimmingCharacters(in: .whitespaces)
    }

    mutating func add(_ report: DebugReport, expected: String?, fixing: Bool) {
        total += 1
        let top = report.top?.kind.rawValue ?? "?"
        guard let expected else { return }
        labelled += 1
        if top == expected { correct += 1 }
        confusion[expected, default: [:]][top, default: 0] += 1
        if expected == "healthy" {
            healthyRuns += 1
            if report.hasProblems { healthyWithWarnings += 1 }
        } else if fixing, !report.fixAttempts.isEmpty {
            fixTried += 1
            if report.fixAttempts.last!.cured { fixCured += 1 }
        }
    }

    func line(for report: DebugReport, file: String, expected: String?) -> String {
        let top = report.top.map { "\($0.kind.rawValue) (\($0.severity.rawValue), \(String(format: "%.2f", $0.confidence)))" } ?? "?"
        var line = "\(URL(fileURLWithPath: file).lastPathComponent.padding(toLength: 36, withPad: " ", startingAt: 0)) \(top)"
        if let expected { line += report.top?.kind.rawValue == expected ? Terminal.green("  ✓") : Terminal.yellow("  ✗ expected \(expected)") }
        if !report.fixAttempts.isEmpty { line += report.fixAttempts.last!.cured ? "  fixed in \(report.fixAttempts.count)" : "  not fixed" }
        return line
    }

    var summary: String {
        var out = "\n\(correct)/\(labelled) runs have the expected top finding"
        if healthyRuns > 0 { out += "; \(healthyWithWarnings)/\(healthyRuns) healthy runs got a warning" }
        if fixTried > 0 { out += "; --fix cured \(fixCured)/\(fixTried)" }
        out += "\n\nConfusion (rows: expected, columns: top finding):\n"
        for expected in confusion.keys.sorted() {
            let row = confusion[expected]!
            out += "  \(expected.padding(toLength: 24, withPad: " ", startingAt: 0)) " + row.keys.sorted().map { "\($0) \(row[$0]!)" }.joined(separator: ", ") + "\n"
        }
        return out
    }
}
