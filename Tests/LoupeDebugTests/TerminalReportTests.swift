import Foundation
import Testing
@testable import LoupeDebug

/// The terminal report: escape codes only when colour is asked for, evidence in the report's
/// number format (the one the HTML report uses).
@Suite struct TerminalReportTests {
    @Test func colourIsOnlyWhereAskedFor() {
        let report = ReportFixture.report()
        let plain = TerminalReport.render(report, colour: false)
        #expect(!plain.contains("\u{1B}["))
        #expect(plain.contains("error nan_inf"))
        #expect(plain.contains("evidence: first_step 151, inf_count ∞"))
        let coloured = TerminalReport.render(report, colour: true)
        #expect(coloured.contains("\u{1B}[1;31merror\u{1B}[0m"))
    }
}
