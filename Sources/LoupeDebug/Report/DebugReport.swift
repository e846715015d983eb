import Foundation
import LoupeReport

/// The outcome of `loupe debug`: the findings (most important first), the run's final metrics,
/// and, with `--fix`, every repair attempt. `--json` prints this object; docs/DEBUGGER.md has the schema.
public struct DebugReport: Codable, Sendable {
    public var run: String
    public var runFile: String
    /// Most important first; `[healthy]` when nothing is wrong.
    public var findings: [Finding]
    /// Final metrics per split ("train", "validation", "test").
    public var metrics: [String: [String: Double]]
    public var steps: Int
    public var epochs: Int
    public var seconds: Double
    public var stopReason: String?
    /// The run's folder (`runs/<name>/<run id>/`).
    public var directory: String?
    /// Where the monitor's recording and the HTML report were written.
    public var telemetryFile: String?
    public var htmlReport: String?
    public var fixAttempts: [FixAttempt] = []
    /// The repaired run file `--fix` wrote next to the original (when an attempt cured the run).
    public var repairedRunFile: String?
    /// The run's id in the run store, when it was recorded (`loupe runs show ID`).
    public var runID: String?

    public init(run: String, runFile: String, findings: [Finding], metrics: [String: [String: Double]],
                steps: Int, epochs: Int, seconds: Double, stopReason: String?) {
        self.run = run
        self.runFile = runFile
        self.findings = findings
        self.metrics = metrics
        self.steps = steps
        self.epochs = epochs
        self.seconds = seconds
        self.stopReason = stopReason
    }

    /// The `--json` form: one object under ``LoupeJSON``'s policy (keys sorted, non-finite
    /// numbers as "NaN", "Infinity", "-Infinity").
    public func jsonData() throws -> Data { try LoupeJSON.encoder().encode(self) }

    /// The most important finding.
    public var top: Finding? { findings.first }
    /// Whether anything of `warning` severity or worse was found.
    public var hasProblems: Bool { findings.contains { $0.severity >= .warning } }

    enum CodingKeys: String, CodingKey {
        case run, runFile = "run_file", findings, metrics, steps, epochs, seconds, stopReason = "stop_reason",
             telemetryFile = "telemetry_file", htmlReport = "html_report", fixAttempts = "fix_attempts",
             repairedRunFile = "repaired_run_file", runID = "run_id", directory
    }
}

/// One `--fix` attempt: the fix applied, the run file it produced and what the re-run found.
public struct FixAttempt: Codable, Sendable {
    public var attempt: Int
    /// The finding the fix addressed.
    public var addressed: FindingKind
    public var fix: SuggestedFix
    public var runFile: String
    /// The re-run's findings, most important first.
    public var findingsAfter: [Finding]
    public var metricsAfter: [String: [String: Double]]
    /// The addressed problem is gone and no other warning or error appeared.
    public var cured: Bool

    enum CodingKeys: String, CodingKey {
        case attempt, addressed, fix, runFile = "run_file", findingsAfter = "findings_after",
             metricsAfter = "metrics_after", cured
    }
}
