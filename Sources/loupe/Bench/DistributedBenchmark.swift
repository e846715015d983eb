import Foundation
import LoupeCore
import LoupeDistributed
import LoupeNN
import LoupeTrain

/// `loupe bench distributed`: a reference workload's training step as one rank of a data-parallel
/// job (under mpirun) or as one process, on random data of its shape: step time, the time waiting
/// for the gradients' all-reduce after the backward pass and the time reductions were in flight,
/// with the all-reduce overlapped with the backward pass and not.
struct DistributedBenchmark {
    let workload: TrainBenchmark.Workload
    let examples: URL
    let steps: Int
    let parallel: DistributedTraining.Options?
    let threads: Int

    func run() throws {
        Engine.threads = threads
        guard let options = parallel else {
            let (trainer, x, y) = try TrainBenchmark.makeTrainer(workload, examples: examples)
            let seconds = try medianSeconds(minIterations: steps, minSeconds: 1) { try trainer.trainStep(x, y) }
            emitJSON(["case": "distributed_step", "workload": workload.name, "ranks": 1, "threads": threads, "overlap": "none",
                      "batch": x.shape[0], "step_ms": seconds * 1000, "wait_ms": 0.0, "communication_ms": 0.0])
            return
        }
        let communicator = try MPICommunicator.shared()
        for overlap in [true, false] {
            var o = options
            o.overlap = overlap
            o.checksumEvery = 0
            let (trainer, x, y) = try TrainBenchmark.makeTrainer(workload, examples: examples)
            let config = try RunConfig(contentsOf: examples.appendingPathComponent(workload.file))
            let parallel = DistributedTraining(communicator: communicator, options: o)
            trainer.dataParallel = parallel
            try parallel.prepare(trainer, config: config, smallestBatch: x.shape[0])
            // Rank 0's count of steps for everyone: the ranks must take the same number.
            for _ in 0..<2 { try trainer.trainStep(x, y) }
            let warm = parallel.telemetry.steps.count
            var count = 0
            let start = Date()
            repeat {
                try trainer.trainStep(x, y)
                count += 1
                let enough = count >= steps && Date().timeIntervalSince(start) >= 1
                let agreed = try communicator.broadcast(Data([enough ? 1 : 0]), from: 0)
                if agreed == Data([1]) { break }
            } while true
            let measured = Array(parallel.telemetry.steps.dropFirst(warm))
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            // Every rank's medians; the step is the slowest rank's (they move in lock step).
            let step = (0..<communicator.size).map { r in median(measured.map { $0.seconds[r] }) }.max() ?? 0
            let wait = median(measured.map { $0.wait.max() ?? 0 })
            let flight = median(measured.map { $0.communication.max() ?? 0 })
            if communicator.rank == 0 {
                emitJSON(["case": "distributed_step", "workload": workload.name, "ranks": communicator.size, "threads": threads,
                          "overlap": overlap ? "on" : "off", "batch": x.shape[0], "buckets": parallel.telemetry.bucketCount,
                          "step_ms": step * 1000, "wait_ms": wait * 1000, "communication_ms": flight * 1000])
            }
        }
    }
}

/// `loupe bench allreduce`: MPI all-reduce times over message sizes (under mpirun), the α–β ring
/// model fitted to them, and its predictions for larger clusters.
struct AllReduceBenchmark {
    let rounds: Int
    let sizes: [Int]

    func run() throws {
        let communicator = try MPICommunicator.shared()
        var samples: [Int: [Double]] = [:]
        // Rounds interleave the sizes, so drift in the machine's load touches them all alike.
        for _ in 0..<rounds {
            for bytes in sizes {
                let count = max(bytes / 4, 1)
                let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
                defer { buffer.deallocate() }
                buffer.initialize(repeating: 1)
                let repeats = max(1, min(200, 4_000_000 / max(bytes, 1)))
                _ = try communicator.broadcast(Data(), from: 0)   // start together
                let t0 = SpanRecorder.now()
                for _ in 0..<repeats { try communicator.wait(try communicator.startSum(buffer)) }
                let own = Double(SpanRecorder.now() - t0) / 1e9 / Double(repeats)
                // The slowest rank's time is the operation's.
                var slowest = [own]
                try slowest.withUnsafeMutableBufferPointer { p in
                    let all = try communicator.allGather(Data(buffer: p)).map { $0.withUnsafeBytes { $0.load(as: Double.self) } }
                    p[0] = all.max() ?? own
                }
                samples[bytes, default: []].append(slowest[0])
            }
        }
        guard communicator.rank == 0 else { return }
        let medians = sizes.map { bytes -> (bytes: Double, seconds: Double) in
            let s = samples[bytes]!.sorted()
            return (Double(bytes), s[s.count / 2])
        }
        for (bytes, s) in zip(sizes, medians) {
            let all = samples[bytes]!.sorted()
            emitJSON(["case": "allreduce", "ranks": communicator.size, "bytes": bytes, "us": s.seconds * 1e6,
                      "min_us": all.first! * 1e6, "max_us": all.last! * 1e6, "gb_per_s": Double(bytes) / s.seconds / 1e9])
        }
        // One machine has two regimes: messages that stay in cache, and larger ones that stream
        // through memory at a lower rate. The model is fitted to each (sizes up to 256 KB, and
        // from 4 MB; 1 MB is between the two), as a network's β would replace the second.
        for (regime, range) in [("cache", 0...262_144), ("memory", 4_194_304...Int.max)] {
            let chosen = medians.filter { range.contains(Int($0.bytes)) }
            guard let model = RingAllReduceModel.fit(chosen, ranks: communicator.size) else { continue }
            let errors = model.relativeErrors(chosen, ranks: communicator.size).map(abs)
            emitJSON(["case": "allreduce_fit", "regime": regime, "ranks": communicator.size, "sizes": chosen.count,
                      "alpha_us": model.latency * 1e6, "beta_gb_per_s": model.secondsPerByte > 0 ? 1 / model.secondsPerByte / 1e9 : Double.infinity,
                      "median_abs_error": errors.sorted()[errors.count / 2], "max_abs_error": errors.max() ?? 0])
        }
    }
}

/// `loupe bench scaling`: the ring model's prediction of a data-parallel step on larger clusters.
struct ScalingPrediction {
    let computeMs: Double
    let parameters: Int
    let bucketBytes: Int
    let overlap: Double
    let nodes: [Int]
    let networks: [(gbps: Double, latencyUs: Double)]

    func run() {
        let bytes = Double(parameters * 4)
        let buckets = max(1, Int((bytes / Double(bucketBytes)).rounded(.up)))
        for network in networks {
            let model = RingAllReduceModel(gigabitsPerSecond: network.gbps, latency: network.latencyUs / 1e6)
            for n in nodes {
                let p = model.predictStep(nodes: n, computeSeconds: computeMs / 1000, gradientBytes: bytes, buckets: buckets, overlap: overlap)
                emitJSON(["case": "scaling_prediction", "parameters": parameters, "gbps": network.gbps, "latency_us": network.latencyUs,
                          "nodes": n, "buckets": buckets, "overlap": overlap, "compute_ms": p.computeSeconds * 1000,
                          "allreduce_ms": p.communicationSeconds * 1000, "step_ms": p.stepSeconds * 1000,
                          "speedup": p.speedup, "efficiency": p.efficiency])
            }
        }
    }
}
