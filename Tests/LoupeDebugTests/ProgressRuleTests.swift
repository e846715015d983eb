import Foundation
import Testing
@testable import LoupeDebug

/// The progress rules on hand-made telemetry: a run learning too slowly for its budget, and one
/// that fell to its trivial baseline and stayed — each just over and just under its thresholds,
/// beside the healthy curves they must leave alone.
struct ProgressRuleTests {
    /// The healthy run of ``DiagnosisRuleTests/baseline(steps:)`` with the loss and update ratio given.
    static func run(_ loss: (Int) -> Double, steps: Int = 200, updateRatio: Double = 1e-3) -> Telemetry {
        var t = DiagnosisRuleTests.baseline(steps: steps)
        t.loss = (0..<steps).map { Float(loss($0)) }
        for i in t.layers.indices where t.layers[i].kind == .parameters {
            t.layers[i].updateRatio = t.sampledSteps.map { _ in Float(updateRatio) }
        }
        return t
    }

    static func top(_ t: Telemetry) -> Finding { Diagnosis(telemetry: t).findings()[0] }

    @Test("a straight-line fall with small updates, far above half the class prior's loss, is a too-low learning rate")
    func learningTooSlowly() throws {
        let slow = Self.run({ 2.3 - 0.2 * Double($0) / 200 }, updateRatio: 3e-4)       // 2.3 → 2.1, linear
        let finding = Self.top(slow)
        #expect(finding.kind == .lrTooLow && finding.severity == .warning)
        #expect(finding.evidence["baseline_loss"] == 2.3 && (finding.evidence["steps_to_half_baseline"] ?? 0) > 900)   // ≈ 0.96 / 0.001 per step
        #expect(finding.fixes.first?.action == .scaleLearningRate(10))
        // The same line with healthy updates: no claim about the learning rate.
        #expect(Self.top(Self.run({ 2.3 - 0.2 * Double($0) / 200 }, updateRatio: 2e-3)).kind != .lrTooLow)
        // A healthy curve stopped early — still falling, but convex: nothing.
        #expect(Self.top(Self.run({ 0.8 + 1.5 * exp(-Double($0) / 60) }, updateRatio: 3e-4)).kind == .healthy)
        // Below half the baseline the run is useful already: a short budget is not a fault.
        #expect(Self.top(Self.run({ 1.3 - 0.3 * Double($0) / 200 }, updateRatio: 3e-4)).kind == .healthy)
    }

    @Test("a fall to the unigram loss that stays there is a too-high learning rate when the updates are large")
    func stuckAtBaseline() throws {
        func text(_ t: Telemetry) -> Telemetry {
            var t = t
            t.data = DataProfile(batchesSeen: 20, unigramLoss: 3.3)
            t.data.classes = nil
            return t
        }
        let curve: (Int) -> Double = { 3.25 + 1.1 * exp(-Double($0) / 8) }               // 4.35 → 3.25 in ~30 steps, then flat
        let stuck = Self.top(text(Self.run(curve, updateRatio: 1e-2)))
        #expect(stuck.kind == .lrTooHigh && stuck.evidence["baseline_loss"] == 3.3 && (stuck.evidence["step_reaching_baseline"] ?? 999) < 100)
        #expect(stuck.explanation.contains("unigram"))
        // Small updates: the loss is not decreasing, with the baseline as its evidence.
        let small = Self.top(text(Self.run(curve, updateRatio: 5e-4)))
        #expect(small.kind == .lossNotDecreasing && small.evidence["baseline_loss"] == 3.3)
        // Going well below the baseline is learning.
        #expect(Self.top(text(Self.run({ 2.0 + 2.3 * exp(-Double($0) / 40) }, updateRatio: 1e-2))).kind == .healthy)
    }

    @Test func healthyRunsNameTheirBaseline() {
        let healthy = Self.top(DiagnosisRuleTests.baseline())
        #expect(healthy.kind == .healthy && healthy.evidence["baseline_loss"] == 2.3 && healthy.explanation.contains("class prior"))
    }
}
