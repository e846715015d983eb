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
        // Each round: plain steps, recorded steps, and the recorder alone (three scalars a step, as
        // the callback records, for as many steps, with the writes that many W1 steps make — one a
        // second), so all three see the same moment of a noisy machine.
        let isolated = try RunRecorder(store: store, info: store.newRun(name: "isolated", kind: .bench, command: "loupe bench store"),
                                       flushInterval: .infinity)
        let flushEvery = max(Int(1 / stepSeconds), 1)
        var plainMs: [Double] = [], recordedMs: [Double] = [], recorderMs: [Double] = []
        var isolatedStep = 0
        for _ in 0..<rounds {
            for (trainer, isRecorded) in [(plain, false), (recorded, true)] {
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<steps { try step(trainer) }
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(steps)
                if isRecorded { recordedMs.append(ms) } else { plainMs.append(ms) }
            }
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps {
                isolated.scalar("train/loss", step: isolatedStep, value: 1)
                isolated.scalar("lr", step: isolatedStep, value: 0.1)
                isolated.scalar("step_ms", step: isolatedStep, value: 0.5)
                isolatedStep += 1
                if isolatedStep % flushEvery == 0 { try isolated.flush() }
            }
            try isolated.flush()
            recorderMs.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(steps))
        }
        try isolated.finish(.completed)
        try recorder.finish(.completed)
        let ratios = zip(recordedMs, plainMs).map { $0 / $1 - 1 }.sorted()
        let shares = zip(recorderMs, plainMs).map { $0 / $1 }.sorted()
        func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
        emitJSON(["case": "store_overhead", "workload": w.name, "threads": Engine.threads, "steps_per_round": steps,
                  "plain_ms_per_step": median(plainMs), "recorded_ms_per_step": median(recordedMs),
                  "overhead": median(ratios), "overhead_min": ratios.first!, "overhead_max": ratios.last!,
                  "recorder_ms_per_step": median(recorderMs), "recorder_share_of_step": median(shares),
                  "recorder_share_min": shares.first!, "recorder_share_max": shares.last!,
                  "scalars_written": try store.scalars(recorder.id, key: "train/loss").count])
    }
}
