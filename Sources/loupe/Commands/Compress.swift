import ArgumentParser
import Foundation
import LoupeCompress
import LoupeCore
import LoupeEval
import LoupeReport

/// `loupe compress`: a trained run made smaller and faster, and what each way cost in quality.
struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compress a trained run (int8, pruning, distillation) and table what each variant saved and lost.",
        discussion: """
            --plan lists the variants, separated by commas; steps joined by + run in order:
              int8                 weights int8 per output channel, activations int8 per row (dynamic)
              int8-static          activations scaled per layer from a calibration sample
              prune:S              magnitude pruning to sparsity S in [0, 1), over a short fine-tune
              prune-channels:F     removes the fraction F of each hidden layer's units/channels
                                   (smallest norm) — a smaller model, not a masked one — then fine-tunes
              distill:STUDENT.toml trains the student run file against this run as teacher
                                   ([distill] in the file sets temperature and alpha)

            Every result is a run of its own (a folder under --runs-dir, a run in the store), and \
            every fine-tune runs under the training debugger's monitor: its findings appear in the \
            table. Each result is then evaluated as `loupe eval` does, on the same split: accuracy \
            with its 95% interval, macro F1, size (the model's tensors as stored), latency, \
            throughput at batch 64, US$ per million predictions, sparsity — and the change against \
            the original. ★ marks the Pareto front of quality against cost.

            Examples:
              loupe compress runs/digits-cnn/latest --plan int8,prune:0.5,prune:0.5+int8
              loupe compress digits-cnn --plan prune-channels:0.3+int8,distill:examples/digits-cnn-small.toml
            """
    )

    @Argument(help: ArgumentHelp("A run's folder, a run id (or prefix) or a run name.", valueName: "run")) var reference: String
    @Option(help: ArgumentHelp("The variants: \(CompressionPlan.methods), comma-separated, steps joined by +.", valueName: "plan")) var plan: String
    @Option(help: "Epochs of each fine-tune.") var fineTuneEpochs = 3
    @Option(help: ArgumentHelp("The fine-tunes' learning rate, as a share of the run's.", valueName: "share")) var fineTuneLr = 1.0
    @Option(help: "The split to evaluate on: test, validation or train.") var split = "test"
    @Flag(help: "Skip the timing (latency, throughput, price): quality and size only.") var noCost = false
    @Option(help: ArgumentHelp("US$ per CPU core-hour (default \(Pricing.defaultUSDPerCoreHour)).", valueName: "usd")) var price = Pricing.defaultUSDPerCoreHour
    @Option(help: "Where run folders are.") var runsDir = "runs"
    @Option(help: "Bootstrap seed for the confidence intervals.") var seed: UInt64 = 1
    @Option(help: ArgumentHelp("Write the HTML report here (default: <runs-dir>/<name>-compress.html).", valueName: "path")) var html: String?
    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: "Print one JSON object with every result.") var json = false

    func validate() throws {
        do { _ = try CompressionPlan(plan) } catch { throw ValidationError("\(error)") }
        guard (1...1000).contains(fineTuneEpochs) else { throw ValidationError("--fine-tune-epochs must be 1...1000") }
        guard fineTuneLr.isFinite && fineTuneLr > 0 && fineTuneLr <= 10 else { throw ValidationError("--fine-tune-lr must be a share in (0, 10]") }
        guard RunEvaluator.Split(rawValue: split) != nil else { throw ValidationError("--split must be test, validation or train") }
        guard price.isFinite && price >= 0 else { throw ValidationError("--price must be a number ≥ 0") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        let plan = try CompressionPlan(plan)
        let store = try storeOptions.recordingStore()
        let lookup = store ?? (FileManager.default.fileExists(atPath: storeOptions.path) ? try? storeOptions.open() : nil)
        let (folder, _) = try Eval.folder(of: reference, runsDir: runsDir, store: lookup)
        var options = Compressor.Options()
        options.runsDirectory = URL(fileURLWithPath: runsDir)
        options.store = store
        options.command = StoreOptions.commandLine
        options.fineTuneEpochs = fineTuneEpochs
        options.fineTuneLearningRate = fineTuneLr
        options.split = RunEvaluator.Split(rawValue: split)!
        options.seed = seed
        options.measuresCost = !noCost
        options.pricing = Pricing(usdPerCoreHour: price)
        let talk = !json
        options.progress = { if talk { print(Terminal.dim("• \($0)")) } }
        options.trainingProgress = talk && Terminal.isTTY
        let report = try Compressor(options: options).compress(folder: folder, plan: plan)
        let htmlURL = URL(fileURLWithPath: html ?? URL(fileURLWithPath: runsDir).appendingPathComponent("\(report.run)-compress.html").path)
        try FileManager.default.createDirectory(at: htmlURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(CompressionPage(report).html.utf8), to: htmlURL)
        if json {
            print(String(decoding: try LoupeJSON.encoder().encode(report), as: UTF8.self))
            return
        }
        print()
        print(TextTable.render(report.rows))
        print()
        print(report.comparison.recommendation)
        for r in report.results where !r.notes.isEmpty { print(Terminal.dim("\(r.label): " + r.notes.joined(separator: ", "))) }
        print(Terminal.dim("Evaluated on the \(report.data). Report: \(htmlURL.path)"))
    }
}
