import Foundation
import LoupeCore
import LoupeNN
import LoupeTrain

/// `loupe bench int8`: inference at batch 64 of the reference workloads' models in float32 and
/// after int8 conversion (dynamic and static activations), in interleaved rounds so the machine's
/// noise falls on all alike; the model sizes as a checkpoint stores them.
struct Int8Benchmark {
    let examples: URL
    let rounds: Int
    let only: Set<String>
    let batch: Int

    func run() throws {
        for w in TrainBenchmark.workloads where (only.isEmpty ? ["W1", "W2"] : only).contains(w.name) {
            try measure(w)
        }
    }

    func measure(_ w: TrainBenchmark.Workload) throws {
        let (trainer, x64, _) = try TrainBenchmark.makeTrainer(w, examples: examples)
        let model = try require(trainer.model as? Sequential, "a sequential model")
        model.eval()
        let x = try x64.slice(axis: 0, 0, min(batch, x64.shape[0])).contiguous()
        let variants: [(name: String, model: Sequential)] = [
            ("float32", model),
            ("int8", try Int8Conversion.quantize(model, activations: .dynamic)),
            ("int8-static", try Int8Conversion.quantize(model, activations: .static, calibration: x)),
        ]
        var times: [String: [Double]] = [:]
        try GradMode.withoutGrad {
            for v in variants { for _ in 0..<3 { _ = try v.model(x) } }
            for _ in 0..<rounds {
                for v in variants {
                    let seconds = try medianSeconds(minIterations: 20, minSeconds: 0.2) { _ = try v.model(x) }
                    times[v.name, default: []].append(seconds)
                }
            }
        }
        let float = Self.median(times["float32"]!)
        for v in variants {
            let t = times[v.name]!.sorted()
            let bytes = v.model.stateDict().map { name, tensor in
                v.model.namedBuffers().contains { $0.name == name && $0.buffer.isInt8 } ? tensor.count : tensor.count * 4
            }.reduce(0, +)
            emitJSON(["case": "int8_inference", "workload": w.name, "impl": v.name, "threads": Engine.threads, "batch": x.shape[0],
                      "ms": Self.median(t) * 1000, "ms_min": t.first! * 1000, "ms_max": t.last! * 1000,
                      "examples_per_s": Double(x.shape[0]) / Self.median(t), "speedup_vs_float32": float / Self.median(t),
                      "model_bytes": bytes])
        }
    }

    static func median(_ x: [Double]) -> Double { x.sorted()[x.count / 2] }
}

private func require<T>(_ value: T?, _ what: String) throws -> T {
    guard let value else { throw TensorError.invalidArgument(op: "bench int8", reason: "expected \(what)") }
    return value
}
