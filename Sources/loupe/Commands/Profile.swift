import ArgumentParser
import Foundation
import LoupeCore
import LoupeDistributed
import LoupeReport
import LoupeStore
import LoupeTrain

/// `loupe profile RUN.toml`: one training step of a run file, forward and backward per module.
struct Profile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time one training step of a run file: forward and backward of every module, and the optimizer.",
        discussion: """
            Builds the run's data, model and optimizer as `loupe train` would, runs --warmup steps \
            unrecorded, then profiles one step. Prints each module's forward and backward time and \
            writes a Chrome trace (open it in https://ui.perfetto.dev or chrome://tracing): the step, \
            inside it forward / backward / optimizer, inside those each module (backward time is \
            grouped by module, so the file stays small). Nothing is written to the run directory.

            Under mpirun (docs/DISTRIBUTED.md), every rank profiles --steps steps of its share of \
            the batch and rank 0 writes one trace with a track per rank: computation, and the \
            gradients' all-reduce buckets (category "communication") overlapping the backward pass.

            Examples:
              loupe profile examples/digits-cnn.toml
              mpirun -np 2 loupe profile examples/w2-mnist-cnn.toml --steps 3
              loupe profile examples/w5-char-gpt.toml --chrome-trace gpt-step.json --json
            """
    )

    @Argument(help: "The run file (TOML).") var runFile: String
    @Option(help: "Where to write the Chrome trace (default: <run name>.profile.json).") var chromeTrace: String?
    @Option(help: "Steps run before the profiled one.") var warmup = 1
    @Option(help: "Steps profiled (the times printed are totals over them).") var steps = 1
    @Flag(help: "Print the per-module times as JSON.") var json = false
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup(title: "Data-parallel training (under mpirun; docs/DISTRIBUTED.md)") var distributedOptions: DistributedOptions

    func validate() throws {
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more") }
        guard steps >= 1 else { throw ValidationError("--steps must be 1 or more") }
    }

    func run() throws {
        if let parallel = try distributedOptions.dataParallel() {
            try parallel.run(command: "profile", runFile: runFile) { try profileRanks(parallel) }
            return
        }
        let config: RunConfig
        do { config = try RunConfig(contentsOf: URL(fileURLWithPath: runFile)) } catch let e as RunConfigError {
            throw CommandFailure(e.message(for: runFile))
        }
        let url = URL(fileURLWithPath: chromeTrace ?? "\(config.run.name).profile.json")
        let (profile, chrome) = try storeOptions.recording(name: config.run.name, kind: .profile, runFile: config.tomlText, seed: config.run.seed,
                                                           params: config.hyperparameters) { recorder in
            let profile = try TrainingRun(config: config).profileStep(warmup: warmup, steps: steps)
            let chrome = ChromeTrace(spans: profile.spans, metadata: ["run": config.run.name, "file": runFile, "batch": String(profile.batchSize)])
            try chrome.write(to: url)
            for phase in ["step", "forward", "backward", "optimizer"] {
                recorder?.scalar("profile/\(phase)_ms", step: 0, value: profile.milliseconds(phase))
            }
            try recorder?.artifact(role: "profile", url: url)
            return (profile, chrome)
        }
        if json {
            struct Row: Encodable { let module: String, type: String?, forwardMs, forwardSelfMs, backwardMs: Double }
            struct Output: Encodable { let run: String, batch: Int, loss: Double, stepMs, forwardMs, backwardMs, optimizerMs: Double, modules: [Row], chromeTrace: String }
            let output = Output(run: config.run.name, batch: profile.batchSize, loss: profile.loss, stepMs: profile.milliseconds("step"),
                                forwardMs: profile.milliseconds("forward"), backwardMs: profile.milliseconds("backward"),
                                optimizerMs: profile.milliseconds("optimizer"),
                                modules: profile.modules.map { Row(module: $0.module, type: $0.type, forwardMs: $0.forward, forwardSelfMs: $0.forwardSelf, backwardMs: $0.backward) }, chromeTrace: url.path)
            let encoder = LoupeJSON.encoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
            return
        }
        let step = profile.milliseconds("step")
        print(Terminal.bold("\(config.run.name): one step of \(profile.batchSize) samples in \(String(format: "%.2f", step)) ms")
              + String(format: "  (forward %.2f, backward %.2f, optimizer %.2f ms)", profile.milliseconds("forward"),
                       profile.milliseconds("backward"), profile.milliseconds("optimizer")))
        let rows = profile.modules.map { time -> (name: String, time: StepProfile.ModuleTime) in
            (time.type.map { "\(time.module) (\($0))" } ?? time.module, time)
        }
        let width = max(6, rows.map { $0.name.count }.max() ?? 0)
        print("module".padding(toLength: width, withPad: " ", startingAt: 0) + "  forward ms  (own ops)  backward ms  share")
        for row in rows {
            // The share counts each module's own ops, so shares never count time twice.
            let share = step > 0 ? (row.time.forwardSelf + row.time.backward) / step * 100 : 0
            print(row.name.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "  %10.3f  %9.3f  %11.3f  %4.1f%%", row.time.forward, row.time.forwardSelf, row.time.backward, share))
        }
        Terminal.status("wrote \(chrome.traceEvents.count) spans to \(url.path) (open in https://ui.perfetto.dev or chrome://tracing)")
    }
}

extension Profile {
    /// Every rank profiles its share; rank 0 writes one trace, a track (pid) per rank, and prints
    /// each rank's step, computation and communication.
    func profileRanks(_ parallel: DistributedTraining) throws {
        let config: RunConfig
        do { config = try RunConfig(contentsOf: URL(fileURLWithPath: runFile)) } catch let e as RunConfigError {
            throw CommandFailure(e.message(for: runFile))
        }
        try parallel.checkSameRunFile(config)
        let profile = try TrainingRun(config: config).profileStep(warmup: warmup, steps: steps, dataParallel: parallel)
        let everyone = try parallel.allGather(LoupeJSON.encoder().encode(profile.spans))
        guard parallel.rank == 0 else { return }
        let spans = try everyone.map { try LoupeJSON.decoder().decode([Span].self, from: $0) }
        let url = URL(fileURLWithPath: chromeTrace ?? "\(config.run.name).profile.json")
        let chrome = ChromeTrace(processes: spans, metadata: ["run": config.run.name, "file": runFile, "ranks": String(parallel.worldSize),
                                                              "batch": String(config.train.batchSize), "steps": String(steps)])
        try chrome.write(to: url)
        struct Row: Encodable { let rank: Int, stepMs, computeMs, communicationMs, waitMs: Double }
        let rows = spans.enumerated().map { rank, spans -> Row in
            func total(_ name: String?, _ category: String) -> Double {
                spans.filter { $0.category == category && (name == nil || $0.name == name) }.reduce(0) { $0 + Double($1.nanoseconds) / 1e6 } / Double(steps)
            }
            let wait = total("wait for gradients", "communication")
            let step = total("step", "run")
            return Row(rank: rank, stepMs: step, computeMs: step - wait, communicationMs: total(nil, "communication") - wait, waitMs: wait)
        }
        if json {
            let encoder = LoupeJSON.encoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        print(Terminal.bold("\(config.run.name): \(steps) step\(steps == 1 ? "" : "s") on \(parallel.worldSize) ranks (milliseconds per step)"))
        print("rank      step   compute   all-reduce in flight   waiting for gradients")
        for row in rows {
            print(String(format: "%4d  %8.2f  %8.2f  %21.2f  %22.2f", row.rank, row.stepMs, row.computeMs, row.communicationMs, row.waitMs))
        }
        Terminal.status("wrote \(chrome.traceEvents.count) spans, a track per rank, to \(url.path) (open in https://ui.perfetto.dev or chrome://tracing)")
    }
}

