import Foundation
import LoupeReport
import Testing
@testable import LoupeDebug

/// Findings, the `--json` report and the telemetry (health.json) of a run that hit NaN follow the
/// one JSON policy and read back with their non-finite values.
struct FindingJSONPolicyTests {
    @Test func reportAndTelemetryKeepNonFiniteValues() throws {
        var report = ReportFixture.report()
        report.findings[0].evidence["loss"] = .nan
        report.findings[0].evidence["grad_norm"] = .infinity
        report.metrics["validation"] = ["loss": -.infinity]
        let text = String(decoding: try report.jsonData(), as: UTF8.self)
        #expect(text.contains(#""loss":"NaN""#) && text.contains(#""grad_norm":"Infinity""#) && text.contains(#""loss":"-Infinity""#))
        let back = try LoupeJSON.decoder().decode(DebugReport.self, from: try report.jsonData())
        #expect(back.findings[0].evidence["loss"]?.isNaN == true && back.findings[0].evidence["grad_norm"] == .infinity)
        #expect(back.metrics["validation"]?["loss"] == -.infinity)

        var telemetry = ReportFixture.telemetry()
        telemetry.loss.append(.nan)
        let health = try LoupeJSON.encoder().encode(telemetry)
        let decoded = try LoupeJSON.decoder().decode(Telemetry.self, from: health)
        #expect(decoded.loss.last?.isNaN == true && decoded.loss.count == telemetry.loss.count)
    }
}
