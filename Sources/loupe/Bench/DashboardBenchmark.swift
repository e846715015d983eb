import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LoupeDashboard
import LoupeStore

/// `loupe bench dashboard`: fills a store with synthetic runs (a per-step loss, per-epoch
/// validation metrics every 1,000 steps, a final test accuracy, five hyperparameters, a finding
/// on every tenth run), serves it on a free loopback port and times real HTTP requests for the
/// runs page, one run's page and a 10-run compare page (medians). Goals: ≤ 1 s, ≤ 300 ms, ≤ 1 s.
struct DashboardBenchmark {
    let runs: Int
    let steps: Int
    let requests: Int
    /// A store to fill, or reuse when it already holds the synthetic runs; nil: a temporary one.
    let storePath: String?

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-bench-dashboard-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = storePath ?? directory.appendingPathComponent("loupe.sqlite").path
        let opened = Date()
        let store = try RunStore(path: path)
        emitJSON(["case": "open_store", "seconds": Date().timeIntervalSince(opened)])
        var ids = try store.runs(kind: .bench).map(\.id)
        if ids.count < runs {
            let start = Date()
            try fill(store, count: runs - ids.count)
            let seconds = Date().timeIntervalSince(start)
            emitJSON(["case": "fill", "runs": runs - ids.count, "steps": steps, "seconds": seconds,
                      "scalars_per_s": Double((runs - ids.count) * (steps + steps / 1000 * 3 + 1)) / seconds])
            ids = try store.runs(kind: .bench).map(\.id)
        }
        let summaries = try medianSeconds(minIterations: 3, minSeconds: 0) { _ = try store.summariesOfAllRuns(keys: ["validation/accuracy"]) }
        emitJSON(["case": "summaries_of_all_runs", "runs": ids.count, "ms": summaries * 1000])

        let dashboard = try Dashboard(store: store, configuration: .init(port: 0))
        let ready = DispatchSemaphore(value: 0), port = PortBox()
        let server = Task {
            try await dashboard.run { listening in
                port.value = listening
                ready.signal()
            }
        }
        defer { server.cancel() }
        guard ready.wait(timeout: .now() + 30) == .success else { throw BenchError("the dashboard did not start listening within 30 s") }
        let base = "http://127.0.0.1:\(port.value)"
        let pages: [(String, String, Double)] = [
            ("runs_page", "/", 1000), ("run_page", "/runs/\(ids[ids.count / 2])", 300),
            ("compare_page_10", "/compare?ids=" + ids.prefix(10).joined(separator: ","), 1000),
        ]
        for (name, path, goal) in pages {
            var bytes = 0
            let seconds = try medianSeconds(minIterations: requests, minSeconds: 0) { bytes = try Self.get(base + path) }
            emitJSON(["case": name, "runs": ids.count, "steps": steps, "median_ms": seconds * 1000, "goal_ms": goal,
                      "bytes": bytes, "meets_goal": seconds * 1000 <= goal])
        }
    }

    /// `count` synthetic runs, each written by one recorder in one transaction at its end.
    private func fill(_ store: RunStore, count: Int) throws {
        var random = SystemRandomNumberGenerator()
        for r in 0..<count {
            let lr = pow(10, Double.random(in: -4 ... -1, using: &random)), hidden = [32, 64, 128, 256][r % 4]
            let params: [String: ParamValue] = ["train.lr": .double(lr), "train.batch_size": .int([32, 64, 128][r % 3]),
                                                "train.optimizer": .string(r % 2 == 0 ? "adam" : "sgd"), "train.epochs": .int(steps / 1000),
                                                "model.hidden": .int(hidden)]
            let info = store.newRun(name: "bench-\(r % 25)", kind: .bench, command: "loupe bench dashboard", seed: UInt64(r))
            let recorder = try RunRecorder(store: store, info: info, params: params, flushInterval: .infinity)
            let floor = 0.05 + 0.3 * abs(log10(lr) + 2.5) / 1.5
            for step in 1...steps {
                recorder.scalar("train/loss", step: step, value: floor + 2.3 * exp(-Double(step) / 800) + Double.random(in: 0..<0.05, using: &random))
                if step % 1000 == 0 {
                    let accuracy = 1 - floor - 0.5 * exp(-Double(step) / 1500)
                    recorder.scalar("epoch/train_loss", step: step, value: floor + 2.3 * exp(-Double(step) / 800))
                    recorder.scalar("validation/loss", step: step, value: floor * 1.1 + 2.3 * exp(-Double(step) / 800))
                    recorder.scalar("validation/accuracy", step: step, value: accuracy)
                }
            }
            recorder.scalar("final/test/accuracy", step: steps, value: 0.98 - floor)
            if r % 10 == 0 {
                struct Finding: Encodable { let kind = "lr_too_high", severity = "warning", first_step = 120, explanation = "synthetic" }
                try recorder.record(Finding(), kind: "finding")
            }
            try recorder.finish(.completed)
        }
    }

    /// GETs `url` and returns the body's size; anything but 200 is an error.
    static func get(_ url: String) throws -> Int {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        URLSession.shared.dataTask(with: URL(string: url)!) { data, response, error in
            if let error { result.value = .failure(error) }
            else if let status = (response as? HTTPURLResponse)?.statusCode, status != 200 { result.value = .failure(BenchError("\(url): HTTP \(status)")) }
            else { result.value = .success(data?.count ?? 0) }
            done.signal()
        }.resume()
        done.wait()
        return try result.value!.get()
    }
}

private struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private final class PortBox: @unchecked Sendable {
    var value = 0
}

private final class ResultBox: @unchecked Sendable {
    var value: Result<Int, Error>?
}
