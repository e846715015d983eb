import Foundation
import LoupeCore
import LoupeDebug
import LoupeTrain

/// `loupe bench debug`: what the training debugger costs per step on the reference workloads —
/// plain training, the health monitor at its default cadence, and the monitor with the
/// non-finite locator — measured in interleaved rounds so machine noise hits all three alike.
struct DebugBenchmark {
    enum Mode: String, CaseIterable { case plain, monitor, locator }

    let examples: URL
    let rounds: Int
    let stepsPerRound: Int
    let only: Set<String>

    func run() throws {
        for w in TrainBenchmark.workloads where (only.isEmpty ? ["W2", "W5"] : only).contains(w.name) {
            try measure(w)
        }
    }

    /// One trainer per mode, each past the monitor's dense first 50 steps before timing, so the
    /// figures are the steady state a long run spends its time in (the dense phase is reported
    /// separately).
    func measure(_ w: TrainBenchmark.Workload) throws {
        var setups: [(mode: Mode, trainer: Trainer, x: Tensor, y: Tensor)] = []
        for mode in Mode.allCases {
            let (trainer, x, y) = try TrainBenchmark.makeTrainer(w, examples: examples)
            if mode != .plain {
                var options = HealthMonitor.Options()
                options.locateNonFinite = mode == .locator
                trainer.callbacks = [HealthMonitor(options: options)]
            }
            for c in trainer.callbacks { try c.trainBegan(trainer) }
            setups.append((mode, trainer, x, y))
        }
        func step(_ s: (mode: Mode, trainer: Trainer, x: Tensor, y: Tensor)) throws {
            let loss = try s.trainer.trainStep(s.x, s.y)
            for c in s.trainer.callbacks { try c.batchEnded(s.trainer, batch: 1, of: 1, loss: loss) }
        }
        var dense: [Mode: Double] = [:]
        for s in setups {
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<HealthMonitor.Options().everyStepUntil { try step(s) }
            dense[s.mode] = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(HealthMonitor.Options().everyStepUntil)
        }
        var perRound: [Mode: [Double]] = [:]
        for _ in 0..<rounds {
            for s in setups {
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<stepsPerRound { try step(s) }
                perRound[s.mode, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(stepsPerRound))
            }
        }
        for s in setups { for c in s.trainer.callbacks { try c.trainEnded(s.trainer) } }
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        let plain = median(perRound[.plain]!)
        for mode in Mode.allCases {
            let ms = median(perRound[mode]!)
            emitJSON(["case": "debug_overhead", "workload": w.name, "mode": mode.rawValue, "threads": Engine.threads,
                      "ms_per_step": ms, "overhead": ms / plain - 1,
                      "dense_phase_ms_per_step": dense[mode]!, "dense_phase_overhead": dense[mode]! / dense[.plain]! - 1])
        }
    }
}
