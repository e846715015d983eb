import Foundation
import LoupeTestSupport
import LoupeTrain
import Testing
@testable import LoupeDebug

/// The fault suite in examples/faults/: every run made to fail on purpose gets the injected
/// problem as its top finding, and every healthy run stays free of warnings and errors.
struct FaultSuiteTests {
    static let directory = repositoryRoot.appendingPathComponent("examples/faults")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".toml") && !$0.hasSuffix(".fixed.toml") }.sorted()
    }

    /// The kind a suite file declares on its `# expect:` line.
    static func expected(_ file: String) throws -> FindingKind {
        let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("# expect:") })
        return try #require(FindingKind(rawValue: line.dropFirst("# expect:".count).trimmingCharacters(in: .whitespaces)))
    }

    @Test func suiteIsLargeEnough() throws {
        let kinds = try Self.files.map(Self.expected)
        #expect(kinds.filter { $0 != .healthy }.count >= 40)
        #expect(kinds.filter { $0 == .healthy }.count >= 12)
        #expect(Set(kinds) == Set(FindingKind.allCases).subtracting(FindingKind.needingRanks), "every kind is injected at least once")
    }

    @Test(arguments: files)
    func topFindingNamesTheInjectedProblem(file: String) throws {
        let expected = try Self.expected(file)
        let runs = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runs) }
        var options = DebugSession.Options()
        options.runsDirectory = runs
        options.writeHTML = false
        options.monitor.locateNonFinite = true
        let config = try RunConfig(contentsOf: Self.directory.appendingPathComponent(file))
        let report = try onLargeStack { try DebugSession(options: options).diagnose(config, runFile: file).report }
        let top = try #require(report.findings.first)
        #expect(top.kind == expected, "\(file): \(report.findings.map { "\($0.kind.rawValue)/\($0.severity.rawValue)" })")
        if expected == .healthy {
            #expect(!report.hasProblems)
        } else {
            #expect(top.severity >= .warning && !top.explanation.isEmpty && !top.fixes.isEmpty && !top.evidence.isEmpty)
        }
    }
}
