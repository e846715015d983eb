import Foundation
import LoupeCore
import LoupeData
import LoupeDebug
import LoupeEval
import LoupeNN
import LoupeReport
import LoupeSafeTensors
import LoupeStore
import LoupeTrain

/// Runs a compression plan on a trained run (`loupe compress`): each variant's steps in order —
/// fine-tunes under the training debugger's monitor, int8 conversion — each result a run of its
/// own (a folder, and a run in the store), then every result evaluated by ``RunEvaluator`` on the
/// same split as the original, into one ``CompressionReport``.
public struct Compressor {
    public struct Options {
        public var runsDirectory = URL(fileURLWithPath: "runs")
        /// Where the fine-tunes, int8 runs and evaluations are recorded, if anywhere.
        public var store: RunStore?
        public var command = "loupe compress"
        /// Epochs of each fine-tune (pruning, the pruned model's recovery).
        public var fineTuneEpochs = 3
        /// The fine-tunes' learning rate, as a share of the run's own (pruning recovers at the
        /// training rate, as Zhu & Gupta's schedule does).
        public var fineTuneLearningRate = 1.0
        /// Training examples the static int8 scales are measured on.
        public var calibrationExamples = 512
        public var split: RunEvaluator.Split = .test
        public var seed: UInt64 = 1
        public var measuresCost = true
        public var pricing = Pricing()
        public var threads = Engine.threads
        /// Hears what is being done ("fine-tuning prune50", …).
        public var progress: (String) -> Void = { _ in }
        /// A progress bar during fine-tunes (on a terminal).
        public var trainingProgress = false
        public init() {}
    }

    /// A model state a step starts from or ends in.
    struct Source {
        let folder: URL
        let config: RunConfig
        let checkpoint: RunEvaluator.CheckpointChoice
        var checkpointURL: URL { folder.appendingPathComponent("checkpoints/\(checkpoint.rawValue).safetensors") }
    }

    public let options: Options
    public init(options: Options = Options()) { self.options = options }

    /// Compresses the run in `folder` every way `plan` says and evaluates the original and each result.
    public func compress(folder: URL, plan: CompressionPlan) throws -> CompressionReport {
        let config = try RunEvaluator(folder: folder).config()
        let original = Source(folder: folder, config: config, checkpoint: .best)
        guard FileManager.default.fileExists(atPath: original.checkpointURL.path) else {
            throw CompressionError.unsupported(step: folder.path, reason: "the run has no checkpoints/best.safetensors; train it first (loupe train)")
        }
        options.progress("evaluating the original")
        var results = [try evaluate(original, label: "original", steps: [], findings: [])]
        for variant in plan.variants {
            var current = original
            var findings: [CompressionReport.FindingSummary] = []
            var notes: [String] = []
            for step in variant.steps {
                options.progress("\(variant): \(step)")
                let name = "\(config.run.name)-\(variant.slug)"
                switch step {
                case let .prune(sparsity):
                    (current, findings) = try fineTune(current, name: name, findings: findings) { config in
                        config.prune = RunConfig.PruneSection(sparsity: sparsity)
                    }
                case let .pruneChannels(fraction):
                    let (pruned, layers, changes) = try pruneChannels(current, fraction: fraction, name: name)
                    notes += changes
                    (current, findings) = try fineTune(current, name: name, findings: findings, initFrom: pruned.path) { config in
                        config.model.layers = layers
                    }
                case let .distill(file):
                    (current, findings) = try distill(file, teacher: current, findings: findings)
                case let .int8(activations):
                    current = try quantize(current, activations: activations, name: name, parent: original)
                }
            }
            options.progress("evaluating \(variant)")
            results.append(try evaluate(current, label: variant.description, steps: variant.steps.map(\.description), findings: findings, notes: notes))
        }
        return CompressionReport(run: config.run.name, folder: folder.path, data: results[0].evaluation.data, results: results)
    }

    // MARK: Steps

    /// Trains a copy of `source`'s run file that starts from its weights (or `initFrom`), with the
    /// debugger's monitor; the run ends in its last checkpoint (pruning's final sparsity).
    private func fineTune(_ source: Source, name: String, findings: [CompressionReport.FindingSummary], initFrom: String? = nil,
                          _ change: (inout RunConfig) throws -> Void) throws -> (Source, [CompressionReport.FindingSummary]) {
        var config = source.config
        config.run.name = name
        config.model.initFrom = initFrom ?? source.checkpointURL.path
        config.train.epochs = options.fineTuneEpochs
        config.train.steps = nil
        config.train.lr *= options.fineTuneLearningRate
        config.train.earlyStoppingPatience = 0
        config.prune = nil
        config.distill = nil
        try change(&config)
        return try train(config, runFile: "loupe compress (\(name))", findings: findings, checkpoint: .last)
    }

    private func distill(_ file: String, teacher: Source, findings: [CompressionReport.FindingSummary]) throws -> (Source, [CompressionReport.FindingSummary]) {
        var student: RunConfig
        do { student = try RunConfig(contentsOf: URL(fileURLWithPath: file)) } catch let error as RunConfigError {
            throw CompressionError.unsupported(step: "distill:\(file)", reason: error.message(for: file))
        }
        var section = student.distill ?? RunConfig.DistillSection(teacher: nil)
        if section.teacher == nil { section.teacher = teacher.folder.path }
        student.distill = section
        // The same examples in the same splits, so both are evaluated on the same test split (the
        // student may train on fewer: train_limit).
        guard student.data.dataset == teacher.config.data.dataset, student.data.split == teacher.config.data.split,
              student.run.seed == teacher.config.run.seed else {
            throw CompressionError.unsupported(step: "distill:\(file)", reason: "the student's data.dataset, data.split and run.seed must be the teacher's (\(teacher.config.data.dataset.name), \(teacher.config.data.split), seed \(teacher.config.run.seed)), so both are evaluated on the same examples")
        }
        return try train(student, runFile: file, findings: findings, checkpoint: .best)
    }

    private func train(_ config: RunConfig, runFile: String, findings: [CompressionReport.FindingSummary],
                       checkpoint: RunEvaluator.CheckpointChoice) throws -> (Source, [CompressionReport.FindingSummary]) {
        var debug = DebugSession.Options()
        debug.runsDirectory = options.runsDirectory
        debug.store = options.store
        debug.command = options.command
        debug.progress = options.trainingProgress
        let (report, _) = try DebugSession(options: debug).diagnose(config, runFile: runFile)
        guard let directory = report.directory else { throw CompressionError.unsupported(step: config.run.name, reason: "the fine-tune wrote no folder") }
        let summaries = report.findings.map { CompressionReport.FindingSummary(run: config.run.name, kind: $0.kind.rawValue, severity: $0.severity.rawValue) }
        return (Source(folder: URL(fileURLWithPath: directory), config: config, checkpoint: checkpoint), findings + summaries)
    }

    /// Removes `fraction` of the source's hidden units and channels; writes the smaller model's
    /// weights next to the run (`<runs>/<name>/pruned-<time>.safetensors`, with its run file section).
    private func pruneChannels(_ source: Source, fraction: Double, name: String) throws -> (URL, [LayerSpec], [String]) {
        let (model, data) = try loadFloatModel(source)
        let sample = try data.splits.train.inputs.slice(axis: 0, 0, 1).contiguous()
        let result = try ChannelPruning.prune(model, spec: source.config.model, sample: sample, fraction: fraction)
        let url = options.runsDirectory.appendingPathComponent(name).appendingPathComponent("pruned-\(RunID.make()).safetensors")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensors.write(result.state, to: url)
        let changes = result.changes.map { "model.layers[\($0.layer)]: \($0.before) → \($0.after)" }
        return (url, result.model.layers, changes)
    }

    /// The source's float model with its checkpoint loaded, and its data.
    private func loadFloatModel(_ source: Source) throws -> (Sequential, PreparedData) {
        var config = source.config
        config.model.initFrom = nil
        config.distill = nil
        let run = try TrainingRun(config: config, directory: source.folder)
        let data = try run.prepareData()
        guard let model = try run.makeTrainer(data).1 as? Sequential else {
            throw CompressionError.unsupported(step: source.folder.path, reason: "a fine-tune of an LLM; merge its adapter (loupe merge) and quantize the merged GGUF instead")
        }
        try TrainingRun.loadModelState(from: source.checkpointURL.path, into: model, key: "checkpoint")
        return (model, data)
    }

    /// Converts the source's model to int8 and writes it as a run of its own.
    private func quantize(_ source: Source, activations: Int8Activations, name: String, parent: Source) throws -> Source {
        let (model, data) = try loadFloatModel(source)
        let calibration = activations == .static
            ? try data.splits.train.inputs.slice(axis: 0, 0, min(options.calibrationExamples, data.splits.train.count)).contiguous() : nil
        let quantized = try Int8Conversion.quantize(model, activations: activations, calibration: calibration)
        var config = source.config
        config.run.name = name
        config.model.quantize = activations == .dynamic ? .int8 : .int8Static
        config.model.initFrom = nil
        config.prune = nil
        config.distill = nil
        let info = options.store?.newRun(name: name, kind: .compress, command: options.command, runFile: config.tomlText, seed: config.run.seed,
                                          threads: Engine.threads, parentID: parent.folder.lastPathComponent)
        let recorder = try options.store.flatMap { store in try info.map { try RunRecorder(store: store, info: $0, params: config.hyperparameters) } }
        do {
            let run = try TrainingRun(config: config, runsDirectory: options.runsDirectory, runID: info?.id ?? RunID.make())
            try FileManager.default.createDirectory(at: run.directory.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
            let configJSON = try LoupeJSON.encoder(pretty: true).encode(config)
            try AtomicFile.write(configJSON, to: run.directory.appendingPathComponent("config.json"))
            let trainer = Trainer(model: quantized, optimizer: try run.makeOptimizer(quantized.parameters()), loss: config.train.loss)
            for file in ["best", "last"] {
                try Checkpoint.save(trainer, to: run.directory.appendingPathComponent("checkpoints/\(file).safetensors"),
                                    extra: ["run_config": String(decoding: configJSON, as: UTF8.self), "compressed_from": source.checkpointURL.path])
            }
            try RunFolders.markLatest(run.directory)
            try recorder?.finish(.completed)
            return Source(folder: run.directory, config: config, checkpoint: .best)
        } catch {
            try? recorder?.finish(.failed, error: "\(error)")
            throw error
        }
    }

    // MARK: Evaluation

    private func evaluate(_ source: Source, label: String, steps: [String], findings: [CompressionReport.FindingSummary],
                          notes: [String] = []) throws -> CompressionReport.Result {
        var evaluator = RunEvaluator(folder: source.folder)
        evaluator.checkpoint = source.checkpoint
        evaluator.examples = .split(options.split)
        evaluator.seed = options.seed
        evaluator.measuresCost = options.measuresCost
        evaluator.pricing = options.pricing
        evaluator.threads = options.threads
        let runID = source.folder.lastPathComponent
        if let store = options.store, (try? store.run(runID)) != nil { evaluator.trainingRunID = runID }
        var evaluation = try evaluator.evaluate()
        // The size is part of every row, timed or not.
        if evaluation.figures["size_mb"] == nil { evaluation.figures["size_mb"] = Double(try RunEvaluator.modelBytes(source.checkpointURL)) / 1_000_000 }
        let reportURL = source.folder.appendingPathComponent("eval/report.html")
        try FileManager.default.createDirectory(at: reportURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(Data(EvaluationReport(evaluation).page.html.utf8), to: reportURL)
        let evaluationID = try options.store.map { try EvaluationStore.record(evaluation, in: $0, command: options.command, report: reportURL) }
        return CompressionReport.Result(label: label, steps: steps, folder: source.folder.path, runID: evaluator.trainingRunID, evaluationID: evaluationID,
                                        evaluation: evaluation, sparsity: try Self.sparsity(source.checkpointURL), findings: findings, notes: notes)
    }

    /// The share of exactly-zero values among the checkpoint's weight matrices and kernels
    /// (int8 codes included: a pruned weight stays 0).
    static func sparsity(_ checkpoint: URL) throws -> Double {
        let file = try SafeTensors.read(contentsOf: checkpoint)
        var zeros = 0, total = 0
        for (name, t) in file.tensors where name.hasPrefix("model.") && name.hasSuffix(".weight") && t.rank >= 2 {
            let values = try t.to(.float32).floats()
            zeros += values.filter { $0 == 0 }.count
            total += values.count
        }
        return total > 0 ? Double(zeros) / Double(total) : 0
    }
}
