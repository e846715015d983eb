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
            RUN is a run's folder (runs/<name>/<run id>), or a run name (its newest folder, \
            runs/<name>/latest). The run's data are prepared as training prepared them, the \
            model is loaded from checkpoints/best.safetensors (--checkpoint last for the last), \
            and the split is scored: accuracy with a 95% bootstrap interval, macro F1, \
            per-class precision/recall/F1, ROC-AUC, log loss, Brier, calibration (ECE/MCE), the \
            most confused classes and the most confidently wrong examples; for regression MAE, \
            RMSE and R². docs/EVALUATION.md defines each figure.

            --require states what the model must reach, one line per figure; the command exits \
            with status 1 when any fails, so a CI pipeline can gate a model on it.

            Examples:
              loupe eval digits-mlp
              loupe eval runs/digits-cnn/latest --split validation --json
              loupe eval digits-mlp --require "macro_f1 >= 0.95" --require "recall[class=3] >= 0.9"
            """
    )

    @Argument(help: ArgumentHelp("A run's folder, or a run name.", valueName: "run")) var reference: String
    @Option(help: "The split to score: test, validation or train.") var split = "test"
    @Option(help: "The checkpoint to load: best or last.") var checkpoint = "best"
    @Option(name: .customLong("require"), help: ArgumentHelp("A requirement, e.g. \"macro_f1 >= 0.95\" (repeatable).", valueName: "line"))
    var requirements: [String] = []
    @Option(help: "Where run folders are.") var runsDir = "runs"
    @Option(help: "Bootstrap seed for the confidence intervals.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object with every figure and the verdict.") var json = false

    func validate() throws {
        guard ["test", "validation", "train"].contains(split) else { throw ValidationError("--split must be test, validation or train, not '\(split)'") }
        guard ["best", "last"].contains(checkpoint) else { throw ValidationError("--checkpoint must be best or last, not '\(checkpoint)'") }
    }

    func run() throws {
        let parsed: [Requirement]
        do { parsed = try requirements.map { line throws(RequirementError) in try Requirement(line) } } catch {
            throw ValidationError("\(error)")
        }
        let folder = try Self.folder(of: reference, runsDir: runsDir)
        let configURL = folder.appendingPathComponent("config.json")
        let config: RunConfig
        do {
            config = try LoupeJSON.decoder().decode(RunConfig.self, from: InputFile.read(configURL.path))
        } catch {
            throw CommandFailure("\(configURL.path): \(ErrorMessage.plain(error)); is \(folder.path) a run's folder?")
        }
        let training = try TrainingRun(config: config, directory: folder)
        let data = try training.prepareData()
        let dataset = split == "test" ? data.splits.test : split == "validation" ? data.splits.validation : data.splits.train
        guard dataset.count > 0 else { throw CommandFailure("the run's \(split) split is empty; choose another with --split") }
        let (trainer, _) = try training.makeTrainer(data)
        let checkpointURL = folder.appendingPathComponent("checkpoints/\(checkpoint).safetensors")
        try Checkpoint.restore(trainer, from: checkpointURL)
        let outputs = try trainer.predict(dataset.inputs)

        var figures: [String: Double]
        var report: [String: Any] = ["run": folder.path, "split": split, "checkpoint": checkpointURL.path, "examples": dataset.count]
        var lines: [String] = []
        if dataset.hasClassLabels {
            guard outputs.rank == 2 else {
                throw CommandFailure("the model's output is \(outputs.shape), not [examples, classes]; loupe eval scores classifiers and regressors (language models: eval-lm, to come)")
            }
            let probabilities = try outputs.softmax(axis: -1)
            let k = outputs.shape[1]
            let values = probabilities.doubles()
            let rows = (0..<dataset.count).map { Array(values[($0 * k)..<($0 * k + k)]) }
            let labels = try dataset.labels()
            let metrics: ClassificationMetrics
            do { metrics = try ClassificationMetrics(labels: labels, probabilities: rows) } catch { throw CommandFailure("\(error)") }
            figures = metrics.figures
            let correct = zip(labels, rows).map { $0 == ClassificationMetrics.argmax($1) }
            let accuracyCI = Bootstrap.interval(count: labels.count, seed: seed) { s in Double(s.filter { correct[$0] }.count) / Double(s.count) }
            let macroF1CI = Bootstrap.interval(count: labels.count, resamples: 300, seed: seed) { s in
                (try? ClassificationMetrics(labels: s.map { labels[$0] }, probabilities: s.map { rows[$0] }))?.macro.f1 ?? .nan
            }
            report["accuracy_ci95"] = [accuracyCI.low, accuracyCI.high]
            report["macro_f1_ci95"] = [macroF1CI.low, macroF1CI.high]
            report["confusion"] = metrics.confusion
            report["confused_pairs"] = FailureAnalysis.confusedPairs(metrics, limit: 5).map {
                ["true": $0.trueClass, "predicted": $0.predictedClass, "count": $0.count, "rate": $0.rate] as [String: Any]
            }
            report["confidently_wrong"] = FailureAnalysis.confidentlyWrong(metrics, limit: 8).map {
                ["index": $0.index, "true": $0.trueClass, "predicted": $0.predictedClass, "confidence": $0.confidence] as [String: Any]
            }
            lines.append(String(format: "accuracy  %.4f  (95%% CI %.4f–%.4f)", metrics.accuracy, accuracyCI.low, accuracyCI.high))
            lines.append(String(format: "macro F1  %.4f  (95%% CI %.4f–%.4f)", metrics.macro.f1, macroF1CI.low, macroF1CI.high))
            lines.append(String(format: "log loss %.4f   Brier %.4f   ECE %.4f   MCE %.4f", metrics.logLoss, metrics.brier,
                                metrics.calibration.expectedError, metrics.calibration.maximumError)
                         + (metrics.rocAUCMacro.map { String(format: "   ROC-AUC %.4f", $0) } ?? ""))
            lines.append("")
            lines.append("class  precision  recall  f1      support  roc-auc")
            for (c, s) in metrics.perClass.enumerated() {
                lines.append(String(format: "%5d  %9.4f  %6.4f  %6.4f  %7d  %@", c, s.precision, s.recall, s.f1, s.support,
                                    metrics.rocAUC[c].map { String(format: "%.4f", $0) } ?? "-"))
            }
            let pairs = FailureAnalysis.confusedPairs(metrics, limit: 3)
            if !pairs.isEmpty {
                lines.append("")
                lines.append("most confused: " + pairs.map { "\($0.trueClass) → \($0.predictedClass) (\($0.count))" }.joined(separator: ", "))
            }
        } else {
            let targets = dataset.targets.doubles(), predictions = outputs.doubles()
            let metrics: RegressionMetrics
            do { metrics = try RegressionMetrics(targets: targets, predictions: predictions) } catch { throw CommandFailure("\(error)") }
            figures = metrics.figures
            lines.append(String(format: "MAE %.4f   RMSE %.4f   R² %.4f", metrics.meanAbsoluteError, metrics.rootMeanSquaredError, metrics.r2))
        }
        report["figures"] = figures
        let verdict: Verdict
        do { verdict = try Verdict(parsed, figures: figures) } catch { throw CommandFailure("\(error)") }
        if !parsed.isEmpty {
            report["verdict"] = ["passed": verdict.passed, "lines": verdict.lines.map {
                ["requirement": $0.requirement.description, "actual": $0.actual, "passed": $0.passed] as [String: Any]
            }] as [String: Any]
        }
        if json {
            print(String(decoding: try LoupeJSON.data(report), as: UTF8.self))
        } else {
            print(Terminal.bold("Evaluation of \(config.run.name)") + Terminal.dim(" — \(split) split, \(dataset.count) examples, \(checkpointURL.path)"))
            for line in lines { print(line) }
            if !parsed.isEmpty {
                print("")
                for line in verdict.lines {
                    let mark = line.passed ? Terminal.green("PASS") : Terminal.red("FAIL")
                    print("\(mark)  \(line.requirement)   (actual \(String(format: "%.4f", line.actual)))")
                }
                print(verdict.passed ? Terminal.green("PASS: every requirement holds") : Terminal.red("FAIL: \(verdict.lines.filter { !$0.passed }.count) requirement(s) not met"))
            }
        }
        if !verdict.passed { throw ExitCode(1) }
    }

    /// A run's folder: `run` itself when it holds a config.json, else `<runsDir>/<run>/latest`.
    static func folder(of run: String, runsDir: String) throws -> URL {
        let direct = URL(fileURLWithPath: run)
        if FileManager.default.fileExists(atPath: direct.appendingPathComponent("config.json").path) { return direct }
        if let latest = RunFolders(root: URL(fileURLWithPath: runsDir)).latest(name: run) { return latest }
        throw CommandFailure("no run folder '\(run)' and no run named '\(run)' in \(runsDir)/ (give a folder with a config.json, or a name that `loupe train` wrote)")
    }
}
