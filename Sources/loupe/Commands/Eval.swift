import ArgumentParser
import Foundation
import LoupeCore
import LoupeData
import LoupeEval
import LoupeReport
import LoupeStore
import LoupeTrain

/// `loupe eval RUN`: how good a trained classifier or regressor is on a split, with confidence
/// intervals, failure analysis and a verdict against stated requirements (issue 15, first part).
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a trained run on a split: metrics as scikit-learn computes them, where it fails, and a PASS/FAIL verdict.",
        discussion: """
            RUN is a run's folder (runs/<name>/<run id>), a checkpoint in it \
            (…/checkpoints/last.safetensors), a run id or unique prefix from the run store, or a \
            run name (its newest folder, runs/<name>/latest). The run's data are prepared as training prepared them, the \
            model is loaded from checkpoints/best.safetensors (--checkpoint last for the last), \
            and the split is scored: accuracy with a 95% bootstrap interval, macro F1, \
            per-class precision/recall/F1, ROC-AUC, log loss, Brier, calibration (ECE/MCE), the \
            most confused classes and the most confidently wrong examples; for regression MAE, \
            RMSE and R². docs/EVALUATION.md defines each figure.

            --require (and the run file's [eval] require) states what the model must reach, one \
            line per figure, quality or cost; the command exits with status 1 when any fails, so a \
            CI pipeline can gate a model on it.

            Examples:
              loupe eval digits-mlp
              loupe eval runs/digits-cnn/latest --split validation --json
              loupe eval digits-mlp --require "macro_f1 >= 0.95" --require "recall[class=3] >= 0.9"
              loupe eval digits-cnn --require "p95_latency_ms <= 2" --price 0.10
              loupe eval digits-mlp --data csv:more-digits.csv --no-cost
            """
    )

    @Argument(help: ArgumentHelp("A run's folder, a checkpoint file in it, a run id (or prefix) or a run name.", valueName: "run")) var reference: String
    @Option(help: "The split to score: test, validation or train.") var split = "test"
    @Option(help: ArgumentHelp("Score every example of this data instead of a split (csv:PATH, mnist:DIR, …), prepared as the run's own.", valueName: "source"))
    var data: String?
    @Option(help: "The checkpoint to load: best or last.") var checkpoint = "best"
    @Option(name: .customLong("require"), help: ArgumentHelp("A requirement, e.g. \"macro_f1 >= 0.95\" (repeatable; adds to the run file's [eval] require).", valueName: "line"))
    var requirements: [String] = []
    @Option(help: ArgumentHelp("US$ per CPU core-hour for the cost per million predictions (default: the run file's eval.price_per_core_hour, else \(Pricing.defaultUSDPerCoreHour)).", valueName: "usd"))
    var price: Double?
    @Flag(help: "Skip the timing (latency, throughput, price): quality only, in a second.") var noCost = false
    @Option(help: ArgumentHelp("Write the HTML report here (default: <run folder>/eval/report.html).", valueName: "path")) var html: String?
    @Option(help: "Where run folders are.") var runsDir = "runs"
    @Option(help: "Bootstrap seed for the confidence intervals.") var seed: UInt64 = 1
    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print one JSON object with every figure and the verdict.") var json = false

    func validate() throws {
        guard RunEvaluator.Split(rawValue: split) != nil else { throw ValidationError("--split must be test, validation or train, not '\(split)'") }
        guard RunEvaluator.CheckpointChoice(rawValue: checkpoint) != nil else { throw ValidationError("--checkpoint must be best or last, not '\(checkpoint)'") }
        if let price, !(price.isFinite && price >= 0) { throw ValidationError("--price must be a number ≥ 0 (US$ per core-hour)") }
    }

    func run() throws {
        let parsed: [Requirement]
        do { parsed = try requirements.map { line throws(RequirementError) in try Requirement(line) } } catch {
            throw ValidationError("\(error)")
        }
        let store = try storeOptions.recordingStore()
        // With --no-record the store is still read to find a run id, when there is one.
        let lookup = store ?? (FileManager.default.fileExists(atPath: storeOptions.path) ? try? storeOptions.open() : nil)
        let (folder, namedCheckpoint) = try Self.folder(of: reference, runsDir: runsDir, store: lookup)
        var evaluator = RunEvaluator(folder: folder)
        evaluator.checkpoint = namedCheckpoint ?? RunEvaluator.CheckpointChoice(rawValue: checkpoint)!
        evaluator.examples = try data.map { .source(try DatasetSource(name: $0)) } ?? .split(RunEvaluator.Split(rawValue: split)!)
        evaluator.requirements = parsed
        evaluator.seed = seed
        evaluator.measuresCost = !noCost
        let config = try evaluator.config()
        evaluator.pricing = Pricing(usdPerCoreHour: price ?? config.eval.pricePerCoreHour ?? Pricing.defaultUSDPerCoreHour)
        // The run folder is named by the training run's id; its CPU-seconds are in its records.
        let runID = folder.lastPathComponent
        if let store, (try? store.run(runID)) != nil {
            evaluator.trainingRunID = runID
            let resources = try store.records(runID, kind: TrainingResources.recordKind).compactMap {
                try? LoupeJSON.decoder().decode(TrainingResources.self, from: Data($0.json.utf8))
            }
            if !resources.isEmpty { evaluator.trainingCPUSeconds = resources.map(\.cpuSeconds).reduce(0, +) }
        }
        let evaluation = try evaluator.evaluate { phase in
            if TerminalStyle.isTerminal(STDERR_FILENO) && !json { Terminal.status("  \(phase)…") }
        }
        let reportURL = URL(fileURLWithPath: html ?? folder.appendingPathComponent("eval/report.html").path)
        try FileManager.default.createDirectory(at: reportURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(EvaluationReport(evaluation).page.html.utf8), to: reportURL)
        let evalID = try store.map { try EvaluationStore.record(evaluation, in: $0, command: StoreOptions.commandLine, report: reportURL) }
        if json {
            print(String(decoding: try LoupeJSON.encoder().encode(evaluation), as: UTF8.self))
        } else {
            print(EvaluationText(evaluation, style: Terminal.style).text)
            print(Terminal.dim("Report: \(reportURL.path)") + (evalID.map { Terminal.dim("   evaluation \($0) in \(storeOptions.path)") } ?? ""))
        }
        if evaluation.verdict?.passed == false { throw ExitCode(1) }
    }

    /// A run's folder and the checkpoint a reference names: a checkpoint file
    /// (`runs/<name>/<id>/checkpoints/last.safetensors`: its run and that checkpoint), a folder
    /// holding a config.json, a run id (or unique prefix) in the store (`<runsDir>/<name>/<id>`), or a
    /// run name (`<runsDir>/<name>/latest`).
    static func folder(of run: String, runsDir: String, store: RunStore?) throws -> (folder: URL, checkpoint: RunEvaluator.CheckpointChoice?) {
        let direct = URL(fileURLWithPath: run)
        if direct.pathExtension == "safetensors", direct.deletingLastPathComponent().lastPathComponent == "checkpoints" {
            let folder = direct.deletingLastPathComponent().deletingLastPathComponent()
            guard let choice = RunEvaluator.CheckpointChoice(rawValue: direct.deletingPathExtension().lastPathComponent),
                  FileManager.default.fileExists(atPath: direct.path) else {
                throw CommandFailure("\(run): expected a run's checkpoints/best.safetensors or checkpoints/last.safetensors")
            }
            return (folder, choice)
        }
        if FileManager.default.fileExists(atPath: direct.appendingPathComponent("config.json").path) { return (direct, nil) }
        let folders = RunFolders(root: URL(fileURLWithPath: runsDir))
        if let store, let id = try? store.resolve(run), let info = try? store.run(id), [.train, .debug, .compress].contains(info.kind) {
            let folder = folders.root.appendingPathComponent(info.name).appendingPathComponent(id)
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("config.json").path) { return (folder, nil) }
        }
        if let latest = folders.latest(name: run) { return (latest, nil) }
        throw CommandFailure("no run folder, checkpoint, run id or run name '\(run)' in \(runsDir)/ (give a folder with a config.json, "
                             + "a checkpoint file, or an id or name that `loupe train` recorded)")
    }
}
