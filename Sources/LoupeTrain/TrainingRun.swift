import Foundation
import LoupeCore
import LoupeData
import LoupeFineTune
import LoupeLLM
import LoupeNN
import LoupeReport
import LoupeSafeTensors
import LoupeStore

/// The prepared splits of a run, after limiting, label noise, normalization and scaling.
public struct PreparedData {
    public let splits: DatasetSplits
    /// Classes (classification), vocabulary size (text), or nil (regression).
    public let outputs: Int?
    public let vocabulary: CharVocabulary?
    /// A fine-tune of an LLM (`[model] base`): its base model and loss mask; nil otherwise.
    public var languageModel: LanguageModelData? = nil
}

/// Executes a run file: data, model, optimizer, trainer, checkpoints and the run's folder
/// `runs/<name>/<run id>/` (config.json, metrics.jsonl, checkpoints/, summary.json; see ``RunFolders``).
public struct TrainingRun {
    public let config: RunConfig
    /// The run's folder.
    public let directory: URL

    /// A run in its own folder, `runsDirectory/<name>/<runID>/`.
    /// - Throws: ``RunConfigError`` naming the first setting out of its range (``RunConfig/validate()``).
    public init(config: RunConfig, runsDirectory: URL = URL(fileURLWithPath: "runs"), runID: String = RunID.make()) throws {
        try self.init(config: config, directory: RunFolders(root: runsDirectory).folder(name: config.run.name, id: runID))
    }

    /// A run whose files go to `directory` (the folder of the run `--resume` continues).
    public init(config: RunConfig, directory: URL) throws {
        try config.validate()
        self.config = config
        self.directory = directory
    }

    /// The checkpoint metadata key of the run's configuration (config.json's JSON).
    static let configKey = "run_config"

    /// Throws what resuming would, before anything is done: no checkpoint, or a run file changed
    /// since it in keys not in `accepting` (``RunConfigError/changedSinceCheckpoint(checkpoint:changes:)``).
    /// - Returns: the changes `accepting` lets through.
    @discardableResult
    public func checkResumable(accepting: Set<String>) throws -> [RunConfig.Change] {
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
            throw RunConfigError.unreadable(file: checkpointURL.path, reason: "no checkpoint to resume from; run without --resume first")
        }
        return try checkUnchanged(since: try SafeTensors.read(contentsOf: checkpointURL).metadata, accepting: accepting)
    }

    /// Throws unless this run's configuration is the one a checkpoint (its `metadata`) was saved
    /// with, but for the keys in `accepting`. Checkpoints from before the configuration was saved
    /// in them are compared with the folder's config.json.
    @discardableResult
    func checkUnchanged(since metadata: [String: String], accepting: Set<String>) throws -> [RunConfig.Change] {
        let old: RunConfig
        if let text = metadata[Self.configKey] {
            do { old = try LoupeJSON.decoder().decode(RunConfig.self, from: Data(text.utf8)) } catch {
                throw RunConfigError.unreadable(file: checkpointURL.path, reason: "its saved run configuration is unreadable (\(ErrorMessage.plain(error, json: Data(text.utf8))))")
            }
        } else if let file = try? Data(contentsOf: directory.appendingPathComponent("config.json")),
                  let decoded = try? LoupeJSON.decoder().decode(RunConfig.self, from: file) {
            // A checkpoint from before the configuration was saved in it: the folder's config.json
            // (one an older Loupe wrote that no longer reads means the configuration is unknown).
            old = decoded
        } else {
            return []
        }
        let changes = config.changes(from: old)
        let unaccepted = changes.filter { !accepting.contains($0.key) }
        guard unaccepted.isEmpty else { throw RunConfigError.changedSinceCheckpoint(checkpoint: checkpointURL.path, changes: unaccepted) }
        return changes
    }

    /// Where the last checkpoint is, inside a run's folder.
    static let lastCheckpoint = "checkpoints/last.safetensors"

    public var checkpointURL: URL { directory.appendingPathComponent(Self.lastCheckpoint) }

    /// Cross-entropy (nats) of predicting every token by its training-set frequency.
    static func unigramLoss(_ tokens: [Int], classes: Int) -> Double {
        var counts = [Double](repeating: 0, count: classes)
        for t in tokens where t >= 0 && t < classes { counts[t] += 1 }
        let total = counts.reduce(0, +)
        return -counts.filter { $0 > 0 }.map { $0 / total * Foundation.log($0 / total) }.reduce(0, +)
    }

    /// The run file's model, optimizer and loss in a trainer (no scheduler, callbacks or files).
    public func makeTrainer(_ data: PreparedData) throws -> (Trainer, Module) {
        if config.isLanguageModelFineTune { return try makeLanguageModelTrainer(data) }
        let model = try ModelBuilder.build(config.model, sampleShape: data.splits.train.sampleShape,
                                           outputs: config.train.loss == .crossEntropy ? data.outputs : nil, seed: config.run.seed,
                                           batchSize: min(config.train.batchSize, max(data.splits.train.count, 1)))
        if let initFrom = config.model.initFrom { try Self.loadModelState(from: initFrom, into: model, key: "model.init_from") }
        let optimizer = try makeOptimizer(model.parameters())
        let loss = config.train.loss
        guard !(loss == .crossEntropy && !data.splits.train.hasClassLabels && data.vocabulary == nil) else {
            throw RunConfigError.invalidValue(key: "train.loss", value: "\"cross_entropy\"", allowed: "a regression loss (mse, l1, huber) for this dataset's real-valued targets")
        }
        let trainer = Trainer(model: model, optimizer: optimizer, loss: loss)
        trainer.gradientClip = config.train.gradClip
        trainer.evaluateEvery = config.train.evalEvery
        trainer.labelSmoothing = config.train.labelSmoothing
        if let distill = config.distill {
            guard let folder = distill.teacher else {
                throw RunConfigError.invalidValue(key: "distill.teacher", value: "(none)",
                                                  allowed: "a trained run's folder (or train the student with loupe compress RUN --plan distill:FILE, which sets it to RUN)")
            }
            let teacher = try Self.loadTeacher(folder, sampleShape: data.splits.train.sampleShape, outputs: data.outputs)
            trainer.distillation = Distillation(teacher: teacher, temperature: distill.temperature, alpha: distill.alpha)
        }
        return (trainer, model)
    }

    /// Loads a model's parameters and buffers from a safetensors file: a Loupe checkpoint (its
    /// `model.` tensors) or a file of the model's tensors alone.
    /// - Throws: ``RunConfigError`` naming `key` when the file cannot be read or does not fit.
    public static func loadModelState(from path: String, into model: Module, key: String) throws {
        let file: SafeTensorsFile
        do { file = try SafeTensors.read(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw RunConfigError.unreadable(file: path, reason: "\(key): \(error)")
        }
        let prefixed = file.tensors.filter { $0.key.hasPrefix("model.") }
        let state = prefixed.isEmpty ? file.tensors : Dictionary(uniqueKeysWithValues: prefixed.map { (String($0.key.dropFirst(6)), $0.value) })
        do { try model.load(stateDict: state) } catch {
            throw RunConfigError.unreadable(file: path, reason: "\(key): its tensors do not fit this run's model (\(error))")
        }
    }

    /// A trained run's model (its folder's config.json and best checkpoint, else its last), in
    /// evaluation mode, for distillation.
    static func loadTeacher(_ folder: String, sampleShape: [Int], outputs: Int?) throws -> Module {
        let directory = URL(fileURLWithPath: folder)
        let configURL = directory.appendingPathComponent("config.json")
        let teacherConfig: RunConfig
        do { teacherConfig = try LoupeJSON.decoder().decode(RunConfig.self, from: InputFile.read(configURL.path)) } catch {
            throw RunConfigError.unreadable(file: configURL.path, reason: "distill.teacher must be a trained run's folder (\(ErrorMessage.plain(error)))")
        }
        let model: Sequential
        do {
            model = try ModelBuilder.build(teacherConfig.model, sampleShape: sampleShape, outputs: outputs, seed: teacherConfig.run.seed)
        } catch {
            throw RunConfigError.invalidValue(key: "distill.teacher", value: folder, allowed: "a run whose model takes this run's data (\(error))")
        }
        let best = directory.appendingPathComponent("checkpoints/best.safetensors"), last = directory.appendingPathComponent(lastCheckpoint)
        let checkpoint = FileManager.default.fileExists(atPath: best.path) ? best : last
        try loadModelState(from: checkpoint.path, into: model, key: "distill.teacher")
        model.eval()
        return model
    }

    /// Loads and prepares the data as the run file says.
    public func prepareData() throws -> PreparedData {
        if config.isLanguageModelFineTune { return try prepareLanguageModelData() }
        let d = config.data
        let loaded = try BuiltinDatasets.load(d.dataset, options: .init(blockSize: d.blockSize, seed: config.run.seed))
        var splits = try DatasetSplits(splitting: loaded.train, fractions: d.split, seed: config.run.seed)
        if let test = loaded.test {
            // The file's own test set is the test split; the fractions divide the training file.
            splits = DatasetSplits(train: splits.train, validation: splits.validation, test: test)
        }
        var train = splits.train
        if d.trainLimit > 0 { train = try train.limited(to: d.trainLimit) }
        if d.labelNoise > 0, let classes = loaded.classCount {
            var rng = RandomGenerator(seed: config.run.seed &+ 17)
            train = try train.withLabelNoise(fraction: d.labelNoise, classes: classes, using: &rng)
        }
        if !d.shuffle && train.hasClassLabels { train = try train.sortedByLabel() }
        if let file = d.exclude { train = try Self.excluding(file, from: train) }
        var validation = splits.validation, test = splits.test
        if train.inputs.dtype.isFloatingPoint, d.normalize != .none {
            let normalizer = try Normalizer.fit(d.normalize, on: train)
            (train, validation, test) = (try normalizer.apply(train), try normalizer.apply(validation), try normalizer.apply(test))
        }
        if d.inputScale != 1 && train.inputs.dtype.isFloatingPoint {
            let s = Float(d.inputScale)
            (train, validation, test) = (try train.scaled(by: s), try validation.scaled(by: s), try test.scaled(by: s))
        }
        let outputs = loaded.vocabulary?.count ?? loaded.classCount ?? train.targets.shape.dropFirst().first ?? 1
        return PreparedData(splits: DatasetSplits(train: train, validation: validation, test: test),
                            outputs: outputs, vocabulary: loaded.vocabulary)
    }

    /// Where the training debugger writes a run's suspect training labels (indices into its
    /// training split, as JSON), in its folder; `loupe eval` reports them.
    public static func suspectLabelsURL(in directory: URL) -> URL {
        directory.appendingPathComponent("suspect_labels.json")
    }

    /// Examples from another source (`loupe eval --data`) made ready for this run's model as its own
    /// splits were: every example of the source (its training and test files together), normalized
    /// with the statistics of this run's training split and scaled alike.
    ///
    /// - Throws: ``RunConfigError/invalidValue(key:value:allowed:)`` naming `--data` when the examples' shape or
    ///   labels do not fit the model; the source's read errors.
    public func prepareData(from source: DatasetSource) throws -> TensorDataset {
        let d = config.data
        let loaded = try BuiltinDatasets.load(source, options: .init(blockSize: d.blockSize, seed: config.run.seed))
        var data = loaded.train
        if let test = loaded.test {
            data = try TensorDataset(inputs: Tensor.concat([data.inputs, test.inputs], axis: 0),
                                     targets: Tensor.concat([data.targets, test.targets], axis: 0))
        }
        let preparation = try inputPreparation()
        let expected = preparation.sampleShape, found = Array(data.inputs.shape.dropFirst())
        guard expected == found else {
            throw RunConfigError.invalidValue(key: "--data", value: source.name,
                                              allowed: "examples of shape \(expected) like the run's own data (this data's are \(found))")
        }
        guard data.hasClassLabels == (preparation.classes != nil) else {
            throw RunConfigError.invalidValue(key: "--data", value: source.name, allowed: preparation.classes != nil
                ? "class labels, as the run is a classifier" : "numeric targets, as the run is a regression")
        }
        if data.hasClassLabels, let classes = preparation.classes, let bad = try data.labels().first(where: { $0 < 0 || $0 >= classes }) {
            throw RunConfigError.invalidValue(key: "--data", value: source.name,
                                              allowed: "labels 0...\(classes - 1), the run's classes (this data has \(bad))")
        }
        data = try TensorDataset(inputs: preparation.apply(data.inputs), targets: data.targets)
        return data
    }

    /// How raw examples are made ready for this run's model, as its own splits were: normalized
    /// with the statistics of its training split (before label noise and exclusions), then scaled.
    public func inputPreparation() throws -> InputPreparation {
        let d = config.data
        let own = try BuiltinDatasets.load(d.dataset, options: .init(blockSize: d.blockSize, seed: config.run.seed))
        var train = try DatasetSplits(splitting: own.train, fractions: d.split, seed: config.run.seed).train
        if d.trainLimit > 0 { train = try train.limited(to: d.trainLimit) }
        let floating = train.inputs.dtype.isFloatingPoint
        return InputPreparation(sampleShape: train.sampleShape,
                                normalizer: floating && d.normalize != .none ? try Normalizer.fit(d.normalize, on: train) : nil,
                                scale: floating ? Float(d.inputScale) : 1, classes: train.hasClassLabels ? own.classCount : nil)
    }

    /// The training split without the examples listed (as a JSON array of indices) in `file`.
    static func excluding(_ file: String, from train: TensorDataset) throws -> TensorDataset {
        let indices: [Int]
        let bytes: Data
        do { bytes = try InputFile.read(file) } catch { throw RunConfigError.unreadable(file: file, reason: "data.exclude: \(error.reason)") }
        do {
            indices = try LoupeJSON.decoder().decode([Int].self, from: bytes)
        } catch {
            throw RunConfigError.unreadable(file: file, reason: "data.exclude needs a JSON array of training-example indices (\(ErrorMessage.plain(error, json: bytes)))")
        }
        if let bad = indices.first(where: { $0 < 0 || $0 >= train.count }) {
            throw RunConfigError.invalidValue(key: "data.exclude", value: "index \(bad) in \(file)", allowed: "indices in 0..<\(train.count) (the training split)")
        }
        let dropped = Set(indices)
        let kept = (0..<train.count).filter { !dropped.contains($0) }
        guard !kept.isEmpty else {
            throw RunConfigError.invalidValue(key: "data.exclude", value: file, allowed: "a list that leaves some training examples")
        }
        return try train.subset(kept)
    }

    public func makeOptimizer(_ parameters: [Parameter]) throws -> Optimizer {
        let t = config.train
        switch t.optimizer {
        case let .sgd(momentum): return try SGD(parameters, lr: t.lr, momentum: momentum, weightDecay: t.weightDecay)
        case .adam: return try Adam(parameters, lr: t.lr, weightDecay: t.weightDecay)
        case .adamW: return try Adam.adamW(parameters, lr: t.lr, weightDecay: t.weightDecay)
        case .rmsprop: return try RMSprop(parameters, lr: t.lr, weightDecay: t.weightDecay)
        case .adagrad: return try Adagrad(parameters, lr: t.lr, weightDecay: t.weightDecay)
        }
    }

    /// The schedule a run file names (see ``ScheduleSpec``), over `totalSteps` optimizer steps; nil
    /// for a constant rate without warm-up.
    public func makeScheduler(totalSteps: Int) -> LearningRateScheduler? {
        let t = config.train, total = max(totalSteps, 1)
        switch t.schedule {
        case let .constant(warmup):
            return warmup > 0 ? LearningRateScheduler(baseLR: t.lr, schedule: .cosine(warmup: warmup, totalSteps: Int.max / 2, minFactor: 1)) : nil
        case .step: return LearningRateScheduler(baseLR: t.lr, schedule: .step(stepSize: max(1, total / 3), gamma: 0.1))
        case .exponential: return LearningRateScheduler(baseLR: t.lr, schedule: .exponential(gamma: Foundation.pow(0.01, 1 / Double(total))))
        case let .cosine(warmup): return LearningRateScheduler(baseLR: t.lr, schedule: .cosine(warmup: warmup, totalSteps: total, minFactor: 0))
        case .plateau: return LearningRateScheduler(baseLR: t.lr, schedule: .constant, reduceOnPlateau: (0.1, 2, 1e-4))
        }
    }

    /// What a finished run reports: final metrics per split, and where its files are.
    public struct Result {
        public var metrics: [String: [String: Double]]
        public var parameters: Int
        public var steps: Int, epochs: Int
        public var seconds: Double
        public var stopReason: String?
        public let trainer: Trainer
        public let data: PreparedData
        /// Text runs: the loss of always predicting the training text's character frequencies, and
        /// a sample of generated text.
        public var unigramBaselineLoss: Double?
        public var sample: String?
    }

    /// Trains (or resumes) the run and writes its directory, which it holds (``RunLock``) until it
    /// returns: a second process in the same folder gets an error naming this one.
    ///
    /// A resumed run continues as if it had never stopped: model, optimizer, data order, dropout,
    /// schedule, the best loss so far and early stopping come from the checkpoint;
    /// `metrics.jsonl` loses any lines past the checkpoint; temporary files an interrupted write
    /// left are removed. The run file must be the one the checkpoint was saved with, but for the
    /// keys in `acceptingChanges` (`--override`); otherwise it throws
    /// ``RunConfigError/changedSinceCheckpoint(checkpoint:changes:)``.
    /// - Parameters:
    ///   - extraCallbacks: added after the run's own callbacks.
    ///   - callbacksForData: callbacks that need the prepared data (the debugger's monitor), added last.
    ///   - stopOnNonFinite: a NaN/infinite loss stops the run quietly (its record is kept) instead of
    ///     throwing ``NonFiniteLossError``.
    ///   - lock: the folder's lock when the caller took it already (before recording the run in a
    ///     store, say); otherwise it is taken here.
    ///   - dataParallel: train as one rank of a data-parallel job. Every rank starts from rank 0's
    ///     state (its fresh weights, or its checkpoint with `resume`); only rank 0 touches the
    ///     run's folder, and only rank 0's result has metrics.
    public func execute(resume: Bool = false, acceptingChanges: Set<String> = [], lock: RunLock? = nil, progress: Bool = true,
                        extraCallbacks: [TrainerCallback] = [],
                        callbacksForData: ((PreparedData) throws -> [TrainerCallback])? = nil,
                        stopOnNonFinite: Bool = false, dataParallel: DataParallel? = nil) throws -> Result {
        let started = Date()
        let writes = (dataParallel?.rank ?? 0) == 0
        let lock = writes ? try lock ?? RunLock(directory) : nil
        defer { withExtendedLifetime(lock) {} }
        if resume && writes {
            guard FileManager.default.fileExists(atPath: checkpointURL.path) else {
                throw RunConfigError.unreadable(file: checkpointURL.path, reason: "no checkpoint to resume from; run without --resume first")
            }
        }
        let data = try prepareData()
        let (trainer, model) = try makeTrainer(data)
        var loader = try DataLoader(dataset: data.splits.train, batchSize: config.train.batchSize,
                                    shuffle: config.data.shuffle, seed: config.run.seed)
        let perEpoch = max(loader.batchesPerEpoch, 1)
        let totalSteps = config.train.steps ?? (config.train.epochs ?? 1) * perEpoch
        trainer.scheduler = makeScheduler(totalSteps: totalSteps)

        let checkpoints = directory.appendingPathComponent("checkpoints")
        if writes { try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true) }
        let configJSON = try LoupeJSON.encoder(pretty: true).encode(config)
        // Stateful callbacks (early stopping) before the checkpoint, so that it saves their state
        // after the epoch; the metrics log before it too, as resuming trims what it wrote past it.
        trainer.callbacks = [TerminateOnNaN(throwsError: !stopOnNonFinite)]
        if writes { trainer.callbacks.append(MetricsLogger(url: directory.appendingPathComponent("metrics.jsonl"))) }
        if config.train.earlyStoppingPatience > 0 { trainer.callbacks.append(EarlyStopping(patience: config.train.earlyStoppingPatience)) }
        trainer.callbacks.append(ModelCheckpoint(directory: checkpoints, metadata: [Self.configKey: String(decoding: configJSON, as: UTF8.self)]))
        if progress && writes { trainer.callbacks.append(ProgressBar(epochs: config.train.epochs ?? (totalSteps + perEpoch - 1) / perEpoch)) }
        if let prune = config.prune { trainer.callbacks.append(MagnitudePruning(prune, totalSteps: totalSteps)) }
        trainer.callbacks += extraCallbacks
        if let callbacksForData { trainer.callbacks += try callbacksForData(data) }

        if let dataParallel {
            trainer.dataParallel = dataParallel
            let count = data.splits.train.count, size = config.train.batchSize
            try dataParallel.prepare(trainer, config: config, smallestBatch: count % size == 0 || count < size ? min(size, count) : count % size)
        }
        if resume && writes {
            AtomicFile.removeLeftovers(in: directory)
            AtomicFile.removeLeftovers(in: checkpoints)
            let state = try Checkpoint.restore(trainer, from: checkpointURL) { metadata in
                try checkUnchanged(since: metadata, accepting: acceptingChanges)
                let ranks = metadata[Checkpoint.ranksKey].flatMap(Int.init) ?? 1
                guard ranks == (dataParallel?.worldSize ?? 1) else {
                    throw DataParallelError("the checkpoint \(checkpointURL.path) was written by a run on \(ranks) rank\(ranks == 1 ? "" : "s"); "
                                            + "resume it on as many (\(ranks == 1 ? "one process, without mpirun" : "mpirun -np \(ranks)")) "
                                            + "so that it continues as it would have")
                }
            }
            if let state {
                loader = try DataLoader(dataset: data.splits.train, batchSize: config.train.batchSize,
                                        shuffle: config.data.shuffle, dropLast: false, state: state)
            }
        }
        if let dataParallel {
            // Every rank starts from rank 0's state: its fresh weights (whatever each rank
            // initialized), or what it resumed; a rank's own dropout generators where saved.
            // Resumed: the checkpoint as saved (the loader's position and every rank's generators
            // are in it); fresh: rank 0's state as it stands.
            let own = !writes ? Data() : resume ? try Data(contentsOf: checkpointURL) : try Checkpoint.serialize(trainer)
            let shared = try dataParallel.broadcast(own, from: 0)
            if !writes {
                if let state = try Checkpoint.restore(trainer, data: shared, source: "rank 0's state", rank: dataParallel.rank), resume {
                    loader = try DataLoader(dataset: data.splits.train, batchSize: config.train.batchSize,
                                            shuffle: config.data.shuffle, dropLast: false, state: state)
                }
                if !resume { DataParallelSeeds.reseedDropout(model, rank: dataParallel.rank) }
            }
        }
        // The folder says what the run is (resumed: the same, or with the accepted changes).
        if writes {
            try AtomicFile.write(configJSON, to: directory.appendingPathComponent("config.json"))
            if !resume && RunID.isValid(directory.lastPathComponent) { try RunFolders.markLatest(directory) }
        }

        try trainer.fit(&loader, validation: data.splits.validation, epochs: config.train.steps == nil ? config.train.epochs : nil,
                        steps: config.train.steps)
        guard writes else {
            // The other ranks' part ends with the training; rank 0 evaluates and writes.
            return Result(metrics: [:], parameters: model.parameterCount, steps: trainer.step, epochs: trainer.epoch,
                          seconds: Date().timeIntervalSince(started), stopReason: trainer.stopReason, trainer: trainer, data: data)
        }
        var metrics: [String: [String: Double]] = [:]
        for (name, split) in [("train", data.splits.train), ("validation", data.splits.validation), ("test", data.splits.test)] where split.count > 0 {
            metrics[name] = try trainer.evaluate(split)
        }
        var result = Result(metrics: metrics, parameters: model.parameterCount, steps: trainer.step, epochs: trainer.epoch,
                            seconds: Date().timeIntervalSince(started), stopReason: trainer.stopReason, trainer: trainer, data: data)
        var summary: [String: Any] = ["name": config.run.name, "metrics": metrics, "parameters": result.parameters,
                                      "steps": result.steps, "epochs": result.epochs, "seconds": result.seconds,
                                      "stop_reason": result.stopReason ?? "completed"]
        if let network = model as? LlamaNetwork {
            let adapter = Self.adapterURL(in: directory)
            try PEFTAdapter.save(network, to: adapter, baseModel: config.model.base)
            summary["adapter"] = adapter.path
        }
        if let mask = data.languageModel?.lossMask {
            summary["loss_mask"] = ["examples": mask.examples, "tokens": mask.tokens, "supervised_tokens": mask.supervisedTokens,
                                    "examples_without_targets": mask.examplesWithoutTargets]
        }
        if let vocabulary = data.vocabulary {
            result.unigramBaselineLoss = Self.unigramLoss(data.splits.train.targets.ints(), classes: vocabulary.count)
            summary["unigram_baseline_loss"] = result.unigramBaselineLoss
            if let gpt = (model as? Sequential)?.layers.compactMap({ $0 as? GPT }).first {
                var rng = RandomGenerator(seed: config.run.seed)
                let prompt = try vocabulary.encode("\n")
                let tokens = try gpt.generate(prompt: prompt, count: 400, temperature: 0.8, topK: 20, using: &rng)
                result.sample = try vocabulary.decode(tokens)
                summary["sample"] = result.sample
            }
        }
        try AtomicFile.write(try LoupeJSON.data(summary, pretty: true), to: directory.appendingPathComponent("summary.json"))
        return result
    }
}

/// What turns a run's raw examples into its model's inputs (``TrainingRun/inputPreparation()``):
/// the training split's normalization, then the run's input scale.
public struct InputPreparation: Sendable {
    /// One example's shape.
    public let sampleShape: [Int]
    public let normalizer: Normalizer?
    public let scale: Float
    /// The classes of a classifier; nil for a regression.
    public let classes: Int?

    /// `inputs` [N, sampleShape…] normalized and scaled.
    public func apply(_ inputs: Tensor) throws -> Tensor {
        var x = inputs
        if let normalizer { x = try normalizer.apply(x) }
        if scale != 1 { x = try (x * Double(scale)).detach() }
        return x
    }
}
