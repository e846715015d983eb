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
