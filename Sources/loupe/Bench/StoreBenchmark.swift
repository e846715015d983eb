import Foundation
import LoupeCore
import LoupeStore
import LoupeTrain

/// `loupe bench store`: what recording a run costs per training step on W1 (the fastest step, so
/// the largest relative cost) — plain steps against steps whose loss, learning rate and step time
/// go to a run store — in interleaved rounds long enough to include the recorder's once-a-second
/// writes.
struct StoreBenchmark {
    let examples: URL
    let rounds: Int
    let secondsPerRound: Double

    func run() throws {
        let w = TrainBenchmark.workloads[0]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-bench-store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RunStore(path: directory.appendingPathComponent("loupe.sqlite").path)
        let recorder = try RunRecorder(store: store, info: store.newRun(name: "bench", kind: .bench, command: "loupe bench store"))
        let (plain, x, y) = try TrainBenchmark.makeTrainer(w, examples: examples)
        let (recorded, _, _) = try TrainBenchmark.makeTrainer(w, examples: examples)
        recorded.callbacks = [RecordingCallback(recorder: recorder)]
        func step(_ trainer: Trainer) throws {
            let loss = try trainer.trainStep(x, y)
            for c in trainer.callbacks { try c.batchEnded(trainer, batch: 1, of: 1, loss: loss) }
        }
        let stepSeconds = try medianSeconds(minIterations: 20) { try step(plain) }
        let steps = max(Int(secondsPerRound / stepSeconds), 10)
        var plainMs: [Double] = [], recordedMs: [Double] = []
        for _ in 0..<rounds {
            for (trainer, isRecorded) in [(plain, false), (recorded, true)] {
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<steps { try step(trainer) }
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(steps)
                if isRecorded { recordedMs.append(ms) } else { plainMs.append(ms) }
            }
        }
        // The recorder's own cost, without training around it: three scalars a step (as the
        // callback records), for 2 s of steps at W1's pace, its once-a-second writes included.
        let isolated = try RunRecorder(store: store, info: store.newRun(name: "isolated", kind: .bench, command: "loupe bench store"))
        let isolatedSteps = max(Int(2 / stepSeconds), 1000)
        let t0 = DispatchTime.now().uptimeNanoseconds
        for step in 0..<isolatedSteps {
            isolated.scalar("train/loss", step: step, value: 1)
            isolated.scalar("lr", step: step, value: 0.1)
            isolated.scalar("step_ms", step: step, value: 0.5)
            if step % max(Int(1 / stepSeconds), 1) == 0 { try isolated.flush() }   // the writes a second of W1 steps makes
        }
        try isolated.finish(.completed)
        let recorderMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(isolatedSteps)
        try recorder.finish(.completed)
        let ratios = zip(recordedMs, plainMs).map { $0 / $1 - 1 }.sorted()
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        emitJSON(["case": "store_overhead", "workload": w.name, "threads": Engine.threads, "steps_per_round": steps,
                  "plain_ms_per_step": median(plainMs), "recorded_ms_per_step": median(recordedMs),
                  "overhead": median(ratios), "overhead_min": ratios.first!, "overhead_max": ratios.last!,
                  "recorder_ms_per_step": recorderMs, "recorder_share_of_step": recorderMs / stepSeconds / 1000,
                  "scalars_written": try store.scalars(recorder.id, key: "train/loss").count])
    }
}
