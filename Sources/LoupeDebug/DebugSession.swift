import Foundation
import LoupeCore
import LoupeFineTune
import LoupeDistributed
import LoupeTrain
import LoupeReport
import LoupeStore

/// `loupe debug`: trains a run with the health monitor attached, diagnoses it, writes the
/// telemetry and the HTML report into the run directory, and with `fix` repairs the run file.
public struct DebugSession {
    public struct Options {
        public var monitor = HealthMonitor.Options()
        public var runsDirectory = URL(fileURLWithPath: "runs")
        /// Progress bar while training (on a TTY only).
        public var progress = false
        /// Re-runs `fix` may make.
        public var maxFixAttempts = 3
        public var writeHTML = true
        /// Added to every run (e.g. a per-epoch printer).
        public var extraCallbacks: [TrainerCallback] = []
        /// Called after each run (the original and each fix attempt), e.g. to print it.
        public var onRun: ((DebugReport) -> Void)?
        /// Where each run (the original and each fix attempt, linked to it) is recorded, if anywhere.
        public var store: RunStore?
        /// Where TensorBoard event files go, live, if anywhere: `<directory>/<run name>/` gets the
        /// scalars of ``TensorBoardCallback`` and the monitor's weight and gradient histograms.
        public var tensorBoardDirectory: URL?
        /// The command line recorded with the runs.
        public var command = "loupe debug"
        /// A fine-tune of an LLM: the forgetting probe is scored every this many steps.
        public var probeInterval = 10
        /// Train as one rank of a data-parallel job (only rank 0 debugs: the other ranks train
        /// without a session); the ranks' telemetry joins the findings.
        public var dataParallel: DataParallel?
        public init() {}
    }

    public let options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Trains `config` with the monitor and returns the report and what the monitor recorded; with a
    /// store, records the run (its curves, findings and files), as derived from `parentID` if given.
    public func diagnose(_ config: RunConfig, runFile: String, parentID: String? = nil) throws -> (report: DebugReport, telemetry: Telemetry) {
        try config.validate()
        let recorder = try options.store.map { store in
            try RunRecorder(store: store, info: store.newRun(name: config.run.name, kind: .debug, command: options.command,
                                                             runFile: config.tomlText, seed: config.run.seed, threads: Engine.threads,
                                                             parentID: parentID), params: config.hyperparameters)
        }
        let run: TrainingRun
        do {
            run = try TrainingRun(config: config, runsDirectory: options.runsDirectory, runID: recorder?.id ?? RunID.make())
        } catch {
            try? recorder?.finish(.failed, error: "\(error)")
            throw error
        }
        do {
            let outcome = try diagnose(config, runFile: runFile, run: run, recorder: recorder)
            try recorder?.finish(.completed)
            return outcome
        } catch {
            try? recorder?.finish(.failed, error: "\(error)")
            throw error
        }
    }

    private func diagnose(_ config: RunConfig, runFile: String, run: TrainingRun, recorder: RunRecorder?) throws -> (report: DebugReport, telemetry: Telemetry) {
        var monitor: HealthMonitor?, fineTuneMonitor: FineTuneMonitor?
        let recording: [TrainerCallback] = recorder.map { [RecordingCallback(recorder: $0)] } ?? []
        let tensorBoard = options.tensorBoardDirectory.map { TensorBoardCallback(directory: $0.appendingPathComponent(config.run.name)) }
        let extra = options.extraCallbacks + recording + [tensorBoard].compactMap { $0 }
        let result: TrainingRun.Result
        do {
            result = try run.execute(progress: options.progress, extraCallbacks: extra, callbacksForData: { data in
                var monitorOptions = options.monitor
                if data.languageModel != nil {
                    // An LLM's forward pass is hundreds of ops: sample its layers less often.
                    monitorOptions.everyStepUntil = min(monitorOptions.everyStepUntil, 10)
                    monitorOptions.interval = max(monitorOptions.interval, 5)
                    fineTuneMonitor = try FineTuneMonitor(data: data, interval: options.probeInterval)
                }
                let m = HealthMonitor(trainSample: data.splits.train, options: monitorOptions)
                if let tensorBoard { m.histogramTaken = { try tensorBoard.addHistogram($0.recorded) } }
                monitor = m
                return [m] + [fineTuneMonitor].compactMap { $0 }
            }, stopOnNonFinite: true, dataParallel: options.dataParallel)
        } catch let error as EmptyLossMaskError {
            // Nothing could be trained: the data itself is the finding.
            return try reportUntrained(config, runFile: runFile, run: run, recorder: recorder, error: error)
        }
        var telemetry = monitor?.telemetry ?? Telemetry()
        telemetry.fineTune = fineTuneMonitor?.telemetry
        if let parallel = options.dataParallel as? DistributedTraining { telemetry.ranks = RankTelemetry(parallel.telemetry) }
        return try report(config, runFile: runFile, run: run, recorder: recorder, telemetry: telemetry, result: result)
    }

    /// The report of a fine-tune whose loss mask is empty everywhere: diagnosed from its data alone.
    private func reportUntrained(_ config: RunConfig, runFile: String, run: TrainingRun, recorder: RunRecorder?,
                                 error: EmptyLossMaskError) throws -> (report: DebugReport, telemetry: Telemetry) {
        var telemetry = Telemetry()
        telemetry.fineTune = FineTuneTelemetry(lossMask: error.summary)
        telemetry.stopReason = error.description
        try FileManager.default.createDirectory(at: run.directory, withIntermediateDirectories: true)
        return try report(config, runFile: runFile, run: run, recorder: recorder, telemetry: telemetry, result: nil)
    }

    /// Diagnoses `telemetry` and writes what a debugged run leaves: health.json, the suspect
    /// labels, report.html, and the run's record in the store. `result` is nil for a run that
    /// could not start (its telemetry says why).
    private func report(_ config: RunConfig, runFile: String, run: TrainingRun, recorder: RunRecorder?, telemetry: Telemetry,
                        result: TrainingRun.Result?) throws -> (report: DebugReport, telemetry: Telemetry) {
        let findings = Diagnosis(telemetry: telemetry, config: config).findings()
        var report = DebugReport(run: config.run.name, runFile: runFile, findings: findings, metrics: result?.metrics ?? [:],
                                 steps: result?.steps ?? 0, epochs: result?.epochs ?? 0, seconds: result?.seconds ?? 0,
                                 stopReason: result.map(\.stopReason) ?? telemetry.stopReason)
        report.directory = run.directory.path
        let telemetryURL = run.directory.appendingPathComponent("health.json")
        try AtomicFile.write(try LoupeJSON.encoder().encode(telemetry), to: telemetryURL)
        report.telemetryFile = telemetryURL.path
        if let audit = telemetry.labelAudit {
            try AtomicFile.write(try LoupeJSON.encoder().encode(audit.suspectIndices), to: Self.suspectLabelsURL(in: run.directory))
        }
        if options.writeHTML {
            let html = run.directory.appendingPathComponent("report.html")
            report.htmlReport = html.path
            try HTMLReport.write(report, telemetry: telemetry, to: html)
        }
        if let recorder {
            report.runID = recorder.id
            if let result { try run.record(result, into: recorder) }
            for finding in findings { try recorder.record(finding, kind: "finding") }
            try telemetry.record(into: recorder)
            try recorder.artifact(role: "telemetry", url: telemetryURL)
            if let html = report.htmlReport { try recorder.artifact(role: "report", url: URL(fileURLWithPath: html)) }
        }
        options.onRun?(report)
        return (report, telemetry)
    }

    /// Where a run's suspect training labels (indices into its training split) are written, in its folder.
    public static func suspectLabelsURL(in directory: URL) -> URL { TrainingRun.suspectLabelsURL(in: directory) }

    /// Diagnoses the run, then applies the top finding's first applicable fix and re-runs, up to
    /// `maxFixAttempts` times, until no warning or error remains. A cured run's file is written
    /// next to the original as `NAME.fixed.toml`.
    public func fix(_ config: RunConfig, runFile: String) throws -> DebugReport {
        var (report, _) = try diagnose(config, runFile: runFile)
        var current = config, findings = report.findings, latestDirectory = report.directory.map { URL(fileURLWithPath: $0) }
        var tried: [FixAction] = []
        var attempt = 0
        while attempt < options.maxFixAttempts, let problem = findings.first(where: { $0.severity >= .warning }) {
            attempt += 1
            let suspects = latestDirectory.map(Self.suspectLabelsURL(in:)).flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0.path : nil }
            guard let (fix, next) = problem.fixes.lazy.compactMap({ fix -> (SuggestedFix, RunConfig)? in
                // A learning-rate change may be repeated (0.5 → 0.05 → 0.005); other fixes are tried once.
                guard let action = fix.action, !tried.contains(action) || action.isLearningRateScale,
                      let next = Fixer.apply(action, to: current, suspectLabelsFile: suspects) else { return nil }
                return (fix, next)
            }).first else { break }
            tried.append(fix.action!)
            var candidate = next
            candidate.run.name = config.run.name + "-fix\(attempt)"
            let (after, _) = try diagnose(candidate, runFile: runFile, parentID: report.runID)
            let cured = !after.findings.contains { $0.kind == problem.kind && $0.severity >= .warning } && !after.hasProblems
            report.fixAttempts.append(FixAttempt(attempt: attempt, addressed: problem.kind, fix: fix, runFile: runFile,
                                                 findingsAfter: after.findings, metricsAfter: after.metrics, cured: cured))
            current = candidate
            findings = after.findings
            latestDirectory = after.directory.map { URL(fileURLWithPath: $0) }
        }
        if !report.fixAttempts.isEmpty, report.fixAttempts.last!.cured {
            var repaired = current
            repaired.run.name = config.run.name + "-fixed"
            let url = Self.repairedURL(for: runFile)
            let header = "# Repaired by `loupe debug --fix` from \(URL(fileURLWithPath: runFile).lastPathComponent):\n"
                + report.fixAttempts.map { "#   attempt \($0.attempt): \($0.addressed.rawValue) → \($0.fix.description)\n" }.joined()
            try AtomicFile.write(Data((header + "\n" + repaired.tomlText).utf8), to: url)
            report.repairedRunFile = url.path
        }
        return report
    }

    /// `dir/name.toml` → `dir/name.fixed.toml`.
    public static func repairedURL(for runFile: String) -> URL {
        let url = URL(fileURLWithPath: runFile)
        let base = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(base + ".fixed.toml")
    }
}
