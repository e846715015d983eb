@testable import LoupeDebug
import Testing

/// The rules that read a data-parallel run's ranks, on hand-made telemetry (the multi-rank runs
/// that inject them are in scripts/distributed-tests.sh).
struct RankRuleTests {
    static func withRanks(_ ranks: RankTelemetry) -> Telemetry {
        var t = DiagnosisRuleTests.baseline()
        t.ranks = ranks
        return t
    }

    @Test func stragglerFromTheRankAnalysis() throws {
        let slow = RankTelemetry.Straggler(rank: 2, computeMs: 30, othersComputeMs: 10, othersWaitMs: 19, slowestShare: 0.95, steps: 40)
        let f = try #require(Diagnosis(telemetry: Self.withRanks(RankTelemetry(worldSize: 3, steps: 40, straggler: slow))).findings()
            .first { $0.kind == .straggler })
        #expect(f.severity == .warning && f.evidence["rank"] == 2 && f.evidence["others_wait_ms"] == 19)
        #expect(f.explanation.contains("Rank 2 is the slowest rank in 95% of 40 steps"))
        #expect(!DiagnosisRuleTests.kinds(Self.withRanks(RankTelemetry(worldSize: 3, steps: 40))).contains(.straggler))
    }

    @Test func desyncIsAnErrorNamingTheParameter() throws {
        let ranks = RankTelemetry(worldSize: 2, steps: 30, desyncs: [.init(step: 15, ranks: [1], parameter: "layers.1.weight")], checksums: 6)
        let f = try #require(Diagnosis(telemetry: Self.withRanks(ranks)).findings().first)
        #expect(f.kind == .rankDesync && f.severity == .error && f.firstStep == 15 && f.layers == ["layers.1.weight"])
        #expect(!DiagnosisRuleTests.kinds(Self.withRanks(RankTelemetry(worldSize: 2, steps: 30, checksums: 6))).contains(.rankDesync))
    }

    @Test func parametersWithoutGradientAreNamed() throws {
        let ranks = RankTelemetry(worldSize: 2, steps: 10, parametersWithoutGradient: ["head2.weight", "head2.bias"])
        let f = try #require(Diagnosis(telemetry: Self.withRanks(ranks)).findings().first { $0.kind == .parametersWithoutGradient })
        #expect(f.layers == ["head2.weight", "head2.bias"] && f.explanation.contains("2 parameters never received a gradient"))
    }
}

/// The report's Ranks section: each rank's computing and waiting, the straggler marked.
struct RankReportTests {
    @Test func ranksSectionShowsEveryRankAndMarksTheStraggler() {
        var telemetry = ReportFixture.telemetry()
        telemetry.ranks = RankTelemetry(worldSize: 2, buckets: 3, steps: 20, ranks: [
            .init(rank: 0, stepMs: 12, computeMs: 4, waitMs: 8, communicationMs: 1),
            .init(rank: 1, stepMs: 12, computeMs: 11.5, waitMs: 0.5, communicationMs: 1),
        ], straggler: .init(rank: 1, computeMs: 11.5, othersComputeMs: 4, othersWaitMs: 8, slowestShare: 1, steps: 19),
            checksums: 2, parametersWithoutGradient: ["head.bias"])
        let html = HTMLReport.render(ReportFixture.report(), telemetry: telemetry)
        #expect(html.contains("<h2>Ranks</h2>"))
        #expect(html.contains("rank 1: 11.5 ms computing") && html.contains("rank 0: 8 ms waiting"))
        #expect(html.contains("Rank 1, the straggler, is marked."))
        #expect(html.contains("2 compared, 0 disagreed") && html.contains("Never a gradient on any rank: head.bias"))
        #expect(!HTMLReport.render(ReportFixture.report(), telemetry: ReportFixture.telemetry()).contains("<h2>Ranks</h2>"))
    }
}
