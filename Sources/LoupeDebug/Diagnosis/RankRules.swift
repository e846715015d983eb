import Foundation

extension Diagnosis {
    /// One rank consistently slower than the others: every step waits for it at the reduction.
    func straggler() -> Finding? {
        guard let ranks = telemetry.ranks, let s = ranks.straggler else { return nil }
        let slower = s.computeMs / max(s.othersComputeMs, 1e-9) - 1
        return Finding(kind: .straggler, severity: .warning, confidence: min(0.6 + s.slowestShare * 0.35, 0.95), firstStep: nil,
                       evidence: ["rank": Double(s.rank), "rank_compute_ms": s.computeMs, "others_compute_ms": s.othersComputeMs,
                                  "others_wait_ms": s.othersWaitMs, "slowest_share": s.slowestShare, "steps": Double(s.steps)],
                       explanation: "Rank \(s.rank) is the slowest rank in \(pct(s.slowestShare)) of \(s.steps) steps: its median step computes "
                           + String(format: "%.1f ms against the others' %.1f ms (%@ slower), ", s.computeMs, s.othersComputeMs, pct(slower))
                           + String(format: "and every other rank waits a median %.1f ms per step for it at the gradients' reduction. ", s.othersWaitMs)
                           + "Data-parallel training runs at the pace of its slowest rank.",
                       fixes: [SuggestedFix("Look at what else runs on rank \(s.rank)'s node (another job, a busy core, thermal limits) or move it with a hostfile; with mpirun, --bind-to core keeps ranks on their cores."),
                               SuggestedFix("If its node is slower by design, give it fewer ranks (slots in the hostfile) so every rank has as much work per second.")])
    }

    /// Ranks whose weights drifted apart: they no longer train one model.
    func rankDesync() -> Finding? {
        guard let ranks = telemetry.ranks, let first = ranks.desyncs.first else { return nil }
        let who = first.ranks.map(String.init).joined(separator: ", ")
        return Finding(kind: .rankDesync, severity: .error, confidence: 0.99, firstStep: first.step,
                       layers: first.parameter.map { [$0] } ?? [],
                       evidence: ["desynced_checks": Double(ranks.desyncs.count), "checks": Double(ranks.checksums), "ranks": Double(ranks.worldSize)],
                       explanation: "At step \(first.step) the weights of rank\(first.ranks.count == 1 ? "" : "s") \(who) differed from rank 0's"
                           + (first.parameter.map { ", first in \($0)" } ?? "")
                           + " (checksums compared every few steps; \(ranks.desyncs.count) of \(ranks.checksums) checks disagreed). "
                           + "Every rank takes the same step from the same reduced gradient, so equal weights stay equal unless something "
                           + "changes one rank's alone: a nondeterministic reduction, a model that writes its weights outside the optimizer, or memory corruption.",
                       fixes: [SuggestedFix("Re-run with --deterministic-reduce: the gradients are then added in the same order on every rank."),
                               SuggestedFix("Check for code that changes a rank's weights or buffers outside the optimizer's step.")])
    }

    /// Parameters that never got a gradient on any rank: trained by nothing, reduced for nothing.
    func parametersWithoutGradient() -> Finding? {
        guard let ranks = telemetry.ranks, !ranks.parametersWithoutGradient.isEmpty else { return nil }
        let names = ranks.parametersWithoutGradient
        return Finding(kind: .parametersWithoutGradient, severity: .warning, confidence: 0.95, firstStep: 1, layers: names,
                       evidence: ["parameters": Double(names.count)],
                       explanation: "\(names.count) parameter\(names.count == 1 ? "" : "s") never received a gradient on any rank: "
                           + names.prefix(6).joined(separator: ", ") + (names.count > 6 ? ", …" : "")
                           + ". They are not on the path from the input to the loss, so they never change. (In PyTorch's DDP such "
                           + "parameters make the job hang unless find_unused_parameters is set; Loupe reduces zeros for them and names them here.)",
                       fixes: [SuggestedFix("Remove the layers they belong to, or connect them to the output if they were meant to be used.")])
    }
}
