import ArgumentParser
import Foundation
import LoupeCore
import LoupeDebug
import LoupeDistributed
import LoupeTrain
import LoupeReport
import LoupeStore

/// `loupe train RUN.toml`: runs a training run described by a TOML file.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model described by a TOML run file.",
        discussion: """
            The run file names the data, the model's layers and the training settings (see \
            examples/*.toml and docs/RUNFILES.md). Each run writes a folder of its own, \
            runs/<name>/<run id>/ (runs/<name>/latest links to the newest): config.json (the \
            resolved settings), metrics.jsonl (one line per epoch), checkpoints/last.safetensors \
            (and best.safetensors by validation loss) and summary.json. --resume continues the \
            newest run of the name that has a checkpoint, in its folder and under its run id, as if \
            it had never stopped; a run file changed since the checkpoint is refused with what \
            changed, unless --override names those keys. One process at a time may use a run's \
            folder.

            Values of the keys that take one of a set:
            \(choices)

            Examples:
              loupe train examples/digits-mlp.toml
              loupe train examples/digits-mlp.toml --json
              loupe train examples/digits-mlp.toml --resume     # continue from the last checkpoint
              loupe train examples/digits-mlp.toml --resume --epochs 80   # …to 80 epochs in all
              loupe train examples/digits-mlp.toml --resume --override train.lr   # …with the run file's new lr
              mpirun -np 2 loupe train examples/distributed/digits-bn.toml   # data-parallel on 2 ranks (docs/DISTRIBUTED.md)
            """
    )

    /// One line per key that takes one of a set of values, listed by the types that read them.
    static var choices: String {
        // Unindented: the help wraps long lines at the terminal's width without a hanging indent.
        RunConfig.choices.map { "\($0.key): " + $0.values.joined(separator: " | ") }.joined(separator: "\n")
    }

    @Argument(help: "The run file (TOML).") var runFile: String
    @Flag(help: "End by printing one JSON object with the final metrics per split.") var json = false
    @Flag(help: "Continue the newest run of this name from its last checkpoint (bit-identical to an uninterrupted run).") var resume = false
    @Option(help: ArgumentHelp("With --resume, continue although these keys of the run file changed since the checkpoint (comma-separated, e.g. train.lr,train.epochs); without it, a changed run file is refused with the list.", valueName: "keys"))
    var override: String?
    @Option(help: "Where run directories go.") var runsDir = "runs"
    @Option(help: "Override train.epochs from the run file (with --resume: train on to this many epochs in all).") var epochs: Int?
    @Flag(help: "Attach the training debugger's monitor and end with its findings (health.json, report.html in the run's folder; see `loupe debug`).")
    var watch = false
    @Option(help: "Also write TensorBoard event files, live, into DIR/<run name>/ (with --watch, each layer's weight and gradient histograms too; open with `tensorboard --logdir DIR`).")
    var tensorboard: String?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup(title: "Data-parallel training (under mpirun; docs/DISTRIBUTED.md)") var distributedOptions: DistributedOptions

    func run() throws {
        guard let parallel = try distributedOptions.dataParallel() else { return try train(parallel: nil) }
        try parallel.run(command: "train", runFile: runFile) { try train(parallel: parallel) }
    }

    func train(parallel: DistributedTraining?) throws {
        setvbuf(stdout, nil, _IOLBF, 0)   // progress lines appear as they happen, even in a pipe
        var config: RunConfig
        do { config = try RunConfig(contentsOf: URL(fileURLWithPath: runFile)) } catch let e as RunConfigError {
            throw CommandFailure(e.message(for: runFile))
        }
        if let epochs {
            guard epochs >= 1 else { throw ValidationError("--epochs must be ≥ 1") }
            config.train.epochs = epochs
            config.train.steps = nil
        }
        if override != nil && !resume { throw ValidationError("--override goes with --resume") }
        // Ranks that would train different things stop here, before anything is written.
        try parallel?.checkSameRunFile(config)
        var accepted = Set((override ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        // `--resume --epochs N` asks for another length in so many words.
        if epochs != nil { accepted.formUnion(["train.epochs", "train.steps"]) }
        if let parallel, parallel.rank != 0 {
            // Another rank: it trains its share and writes nothing; rank 0 has the run's folder.
            let run = try TrainingRun(config: config, directory: URL(fileURLWithPath: runsDir).appendingPathComponent(config.run.name))
            _ = try run.execute(resume: resume, acceptingChanges: accepted, progress: false, dataParallel: parallel)
            return
        }
        let folders = RunFolders(root: URL(fileURLWithPath: runsDir))
        var runID = RunID.make(), reopening = false
        let run: TrainingRun
        if resume {
            guard !watch else { throw ValidationError("--watch records a run from its start; drop --resume") }
            // The newest recorded run of this name with a checkpoint, else the folder `latest` names.
            let named = try storeOptions.recordingStore()?.runs(name: config.run.name) ?? []
            guard let found = folders.resumable(name: config.run.name, recorded: named.filter { $0.kind == .train }.map(\.id)) else {
                throw ValidationError("no run named '\(config.run.name)' in \(runsDir)/\(config.run.name)/ has a checkpoint to resume from; "
                                      + "run without --resume first")
            }
            if let id = found.id { runID = id }
            reopening = named.contains { $0.id == found.id }
            run = try TrainingRun(config: config, directory: found.folder)
        } else {
            run = try TrainingRun(config: config, runsDirectory: folders.root, runID: runID)
        }
        if !json {
            print(Terminal.bold("Run \(config.run.name)") + Terminal.dim(" → \(run.directory.path)")
                  + (parallel.map { Terminal.dim("  (data-parallel on \($0.worldSize) rank\($0.worldSize == 1 ? "" : "s"))") } ?? ""))
        }
        let epochPrinter = EpochPrinter(enabled: !json)
        if watch {
            try watched(config, printer: epochPrinter, tensorBoard: tensorboard.map { URL(fileURLWithPath: $0) }, parallel: parallel)
            return
        }
        // The folder is this process's until it ends: taken before the run is recorded, so a
        // second process gets the error without touching the first one's record.
        let lock = try RunLock(run.directory)
        if resume {
            let changes = try run.checkResumable(accepting: accepted)
            if !json && !changes.isEmpty {
                print("Resuming with changed settings (--override):\n" + changes.map { "  \($0)" }.joined(separator: "\n"))
            }
        }
        // A fresh run that fails before writing anything (the store cannot be opened, say) leaves
        // no empty folder behind.
        defer {
            if !resume, (try? FileManager.default.contentsOfDirectory(atPath: run.directory.path)) == [".lock"] {
                lock.release()
                try? FileManager.default.removeItem(at: run.directory)
            }
        }
        let tensorBoard = tensorboard.map { TensorBoardCallback(directory: URL(fileURLWithPath: $0).appendingPathComponent(config.run.name)) }
        var recordedID: String?
        let result = try storeOptions.recording(name: config.run.name, kind: .train, runFile: config.tomlText, seed: config.run.seed,
                                                params: config.hyperparameters, id: runID, reopening: reopening) { recorder in
            recordedID = recorder?.id
            let result = try run.execute(resume: resume, acceptingChanges: accepted, lock: lock, progress: !json,
                                         extraCallbacks: [epochPrinter] + [tensorBoard].compactMap { $0 }
                                             + (recorder.map { [RecordingCallback(recorder: $0)] } ?? []),
                                         dataParallel: parallel)
            if let recorder { try run.record(result, into: recorder) }
            return result
        }
        if json {
            let data = try LoupeJSON.data(result.metrics)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(String(format: "%d parameters, %d epochs, %d steps in %.1f s%@", result.parameters, result.epochs, result.steps,
                     result.seconds, result.stopReason.map { " (\($0))" } ?? "")
              + (recordedID.map { Terminal.dim("  run \($0) in \(storeOptions.path)") } ?? ""))
        for split in ["train", "validation", "test"] {
            guard let m = result.metrics[split] else { continue }
            let text = m.keys.sorted().map { String(format: "%@ %.4f", $0, m[$0]!) }.joined(separator: "  ")
            print("\(split.padding(toLength: 10, withPad: " ", startingAt: 0)) \(text)")
        }
        if let baseline = result.unigramBaselineLoss {
            print(String(format: "unigram baseline loss %.4f (predicting character frequencies)", baseline))
        }
        if let parallel, parallel.worldSize > 1 { print(Self.rankSummary(parallel.telemetry)) }
        if let sample = result.sample {
            print(Terminal.bold("\nSample (temperature 0.8, top-20):"))
            print(sample)
        }
    }
}

extension Train {
    /// The run with the debugger's monitor attached (the non-finite locator stays off: it is
    /// `loupe debug`'s); ends with the findings. TensorBoard, if asked for, gets the monitor's
    /// weight and gradient histograms too.
    func watched(_ config: RunConfig, printer: EpochPrinter, tensorBoard: URL?, parallel: DistributedTraining?) throws {
        var options = DebugSession.Options()
        options.dataParallel = parallel
        options.tensorBoardDirectory = tensorBoard
        options.runsDirectory = URL(fileURLWithPath: runsDir)
        options.progress = !json
        options.extraCallbacks = [printer]
        options.store = try storeOptions.recordingStore()
        options.command = StoreOptions.commandLine
        let report = try DebugSession(options: options).diagnose(config, runFile: runFile).report
        if json {
            print(String(decoding: try report.jsonData(), as: UTF8.self))
            return
        }
        for split in ["train", "validation", "test"] {
            guard let m = report.metrics[split] else { continue }
            print("\(split.padding(toLength: 10, withPad: " ", startingAt: 0)) " + m.keys.sorted().map { String(format: "%@ %.4f", $0, m[$0]!) }.joined(separator: "  "))
        }
        print(TerminalReport.render(report, colour: Terminal.style.usesColor))
    }
}

/// Prints one line per epoch (the progress bar covers the steps in between on a terminal).
final class EpochPrinter: TrainerCallback {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }

    func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
        guard enabled else { return }
        var line = String(format: "epoch %3d  step %6d  loss %.4f", logs.epoch, logs.step, logs.trainLoss)
        if let v = logs.validation {
            line += "  " + v.keys.sorted().map { String(format: "val_%@ %.4f", $0, v[$0]!) }.joined(separator: "  ")
        }
        line += String(format: "  lr %.3g  %.1fs", logs.learningRate, logs.seconds)
        print(line)
    }
}

extension Train {
    /// One line per rank of a data-parallel run: its median step, and how much of it went to
    /// waiting for the others; a straggler, if any, said in so many words.
    static func rankSummary(_ t: DistributedTelemetry) -> String {
        var lines = ["ranks (median per step):"]
        for (rank, m) in t.perRankMedians().enumerated() {
            lines.append(String(format: "  rank %d  step %.2f ms  computing %.2f ms  waiting %.2f ms", rank, m.seconds * 1000, m.compute * 1000, m.wait * 1000))
        }
        if let s = t.straggler() {
            lines.append(Terminal.yellow(String(format: "  rank %d is a straggler: %.1f ms of computing per step against %.1f ms (loupe debug explains)",
                                                s.rank, s.medianCompute * 1000, s.othersMedianCompute * 1000)))
        }
        return lines.joined(separator: "\n")
    }
}

