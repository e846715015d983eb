import Foundation
import LoupeCore
import LoupeData
import LoupeReport
import LoupeSafeTensors
import LoupeTrain

/// Evaluates a trained run's classifier or regressor (`loupe eval`): loads its checkpoint,
/// scores a split of its data (or other data), analyses the failures, measures the cost and
/// judges the requirements, into one ``Evaluation``.
public struct RunEvaluator {
    /// Which examples to score.
    public enum Examples: Sendable, Equatable, CustomStringConvertible {
        case split(Split)
        /// Every example of another source (`csv:PATH`, …), prepared as the run's own data.
        case source(DatasetSource)

        public var description: String {
            switch self {
            case let .split(split): "\(split.rawValue) split"
            case let .source(source): source.name
            }
        }
    }

    public enum Split: String, Sendable, CaseIterable { case train, validation, test }
    public enum CheckpointChoice: String, Sendable, CaseIterable { case best, last }

    /// The run's folder (with its config.json and checkpoints/).
    public var folder: URL
    public var examples: Examples = .split(.test)
    public var checkpoint: CheckpointChoice = .best
    public var requirements: [Requirement] = []
    /// Bootstrap seed.
    public var seed: UInt64 = 1
    /// Measure latency, throughput and price (seconds of timing; off in quick checks).
    public var measuresCost = true
    public var pricing = Pricing()
    public var threads = Engine.threads
    /// The run's id in the store and the CPU-seconds its training took, when recorded.
    public var trainingRunID: String?
    public var trainingCPUSeconds: Double?

    public init(folder: URL) { self.folder = folder }

    /// The run's file as its folder keeps it.
    public func config() throws -> RunConfig {
        let url = folder.appendingPathComponent("config.json")
        do {
            return try LoupeJSON.decoder().decode(RunConfig.self, from: InputFile.read(url.path))
        } catch {
            throw EvalError.invalidTask(file: url.path, line: 1, reason: "\(ErrorMessage.plain(error)); is \(folder.path) a run's folder?")
        }
    }

    /// Runs the evaluation; `progress` hears the phases ("scoring", "timing").
    public func evaluate(progress: (String) -> Void = { _ in }) throws -> Evaluation {
        let config = try config()
        let run = try TrainingRun(config: config, directory: folder)
        progress("preparing the data")
        let prepared = try run.prepareData()
        let dataset: TensorDataset
        switch examples {
        case let .split(split):
            dataset = switch split { case .train: prepared.splits.train; case .validation: prepared.splits.validation; case .test: prepared.splits.test }
            guard dataset.count > 0 else { throw EvalError.empty(what: "examples in the run's \(split.rawValue) split (choose another with --split)") }
        case let .source(source):
            dataset = try run.prepareData(from: source)
            guard dataset.count > 0 else { throw EvalError.empty(what: "examples in \(source.name)") }
        }
        let (trainer, _) = try run.makeTrainer(prepared)
        let checkpointURL = folder.appendingPathComponent("checkpoints/\(checkpoint.rawValue).safetensors")
        try Checkpoint.restore(trainer, from: checkpointURL)
        progress("scoring \(dataset.count) examples")
        let outputs = try trainer.predict(dataset.inputs)

        var evaluation: Evaluation
        if dataset.hasClassLabels {
            evaluation = try classify(dataset: dataset, outputs: outputs, config: config)
        } else {
            let metrics = try RegressionMetrics(targets: dataset.targets.doubles(), predictions: outputs.doubles())
            evaluation = Evaluation(task: .regression, model: config.run.name, source: folder.path, data: examples.description, examples: dataset.count,
                                    figures: metrics.figures, seed: seed)
        }
        evaluation.trainingRunID = trainingRunID
        evaluation.checkpoint = checkpointURL.path
        if measuresCost {
            progress("timing predictions")
            let cost = try measureCost(trainer: trainer, dataset: dataset, checkpoint: checkpointURL)
            evaluation.cost = cost
            evaluation.figures.merge(cost.figures) { a, _ in a }
        }
        var all = requirements
        for (i, line) in config.eval.require.enumerated() {
            do { all.append(try Requirement(line)) } catch { throw EvalError.invalidSetting(what: "eval.require[\(i)] of the run file", value: i, expected: "\(error)") }
        }
        let verdict = try Verdict(all, figures: evaluation.figures)
        if !verdict.lines.isEmpty { evaluation.verdict = verdict }
        return evaluation
    }

    private func classify(dataset: TensorDataset, outputs: Tensor, config: RunConfig) throws -> Evaluation {
        guard outputs.rank == 2 else {
            throw EvalError.invalidSetting(what: "the model's output rank", value: outputs.rank,
                                           expected: "2 ([examples, classes]); loupe eval scores classifiers and regressors (language models: loupe eval-lm)")
        }
        let k = outputs.shape[1]
        let values = try outputs.softmax(axis: -1).doubles()
        let rows = (0..<dataset.count).map { Array(values[($0 * k)..<($0 * k + k)]) }
        let labels = try dataset.labels()
        let metrics = try ClassificationMetrics(labels: labels, probabilities: rows)
        let correct = zip(labels, rows).map { $0 == ClassificationMetrics.argmax($1) }
        let accuracy = Bootstrap.interval(count: labels.count, seed: seed) { s in Double(s.filter { correct[$0] }.count) / Double(s.count) }
        let macroF1 = Bootstrap.interval(count: labels.count, resamples: 300, seed: seed) { s in
            (try? ClassificationMetrics(labels: s.map { labels[$0] }, probabilities: s.map { rows[$0] }))?.macro.f1 ?? .nan
        }
        var roc: [[CurvePoint]] = [], pr: [[CurvePoint]] = []
        for c in 0..<k {
            let curves = BinaryRanking.curves(scores: rows.map { $0[c] }, positive: labels.map { $0 == c })
            roc.append(curves.roc)
            pr.append(curves.precisionRecall)
        }
        let wrong = FailureAnalysis.confidentlyWrong(metrics, limit: 16)
        var details = ClassifierDetails(
            classNames: (0..<k).map(String.init), perClass: metrics.perClass, confusion: metrics.confusion, calibration: metrics.calibration.bins,
            rocCurves: roc, precisionRecallCurves: pr, confusedPairs: FailureAnalysis.confusedPairs(metrics, limit: 10), confidentlyWrong: wrong)
        let suspects = TrainingRun.suspectLabelsURL(in: folder)
        if let bytes = try? InputFile.read(suspects.path), let indices = try? LoupeJSON.decoder().decode([Int].self, from: bytes) {
            details.suspectLabels = indices
        }
        // Image data (a model input of [C, H, W] with one or three channels): the worst examples as a picture.
        if let shape = config.model.input, shape.count == 3, [1, 3].contains(shape[0]), shape.reduce(1, *) == dataset.sampleShape.reduce(1, *),
           !wrong.isEmpty {
            let (channels, height, width) = (shape[0], shape[1], shape[2])
            let pixels = dataset.inputs.floats(), size = channels * height * width
            let grid = ImageGrid(title: "Most confidently wrong (true → predicted, confidence)", images: wrong.map { w in
                ImageGrid.Image(channels: channels, height: height, width: width, pixels: Array(pixels[(w.index * size)..<((w.index + 1) * size)]),
                                caption: String(format: "%d → %d (%.2f)", w.trueClass, w.predictedClass, w.confidence))
            })
            let url = folder.appendingPathComponent("eval/wrong-examples.svg")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try AtomicFile.write(Data(grid.svg.utf8), to: url)
            details.wrongExamplesImage = url.path
        }
        return Evaluation(task: .classification, model: config.run.name, source: folder.path, data: examples.description, examples: dataset.count,
                          figures: metrics.figures, intervals: ["accuracy": .init(low: accuracy.low, high: accuracy.high),
                                                                "macro_f1": .init(low: macroF1.low, high: macroF1.high)],
                          classifier: details, seed: seed)
    }

    /// The bytes of the model's tensors as its checkpoint stores them (int8 codes as one byte):
    /// what shipping the model takes, without the optimizer state a training checkpoint adds.
    public static func modelBytes(_ checkpoint: URL) throws -> Int {
        try SafeTensors.read(contentsOf: checkpoint).entries.filter { $0.name.hasPrefix("model.") }.map(\.dataOffsets.count).reduce(0, +)
    }

    private func measureCost(trainer: Trainer, dataset: TensorDataset, checkpoint: URL) throws -> InferenceCost {
        let model = trainer.model
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try GradMode.withoutGrad {
            let one = try dataset.inputs.slice(axis: 0, 0, 1).contiguous()
            let forward = try ForwardCost.measure { _ = try model(one) }
            let size = try Self.modelBytes(checkpoint)
            // The batches are cut before the clock starts: predict times the model alone.
            var batches: [String: Tensor] = [:]
            return try InferenceCost.measure(
                parameters: model.parameterCount, sizeOnDiskBytes: size, forward: forward, forwardExamples: 1,
                examples: dataset.count, threads: threads, pricing: pricing, trainingCPUSeconds: trainingCPUSeconds) { start, batch in
                    let key = "\(start)/\(batch)"
                    let input = try batches[key] ?? dataset.inputs.slice(axis: 0, start, start + batch).contiguous()
                    if batches.count < 4096 { batches[key] = input }
                    _ = try model(input)
                }
        }
    }
}
