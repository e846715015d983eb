/// A training run, as described by a TOML run file (`loupe train RUN.toml`). See
/// `examples/*.toml` and docs/RUNFILES.md for every key; defaults are PyTorch's/Keras's usual ones.
///
/// A configuration built in code is checked like a parsed one: ``validate()`` (which the parser,
/// ``TrainingRun`` and ``ModelBuilder`` call) throws a ``RunConfigError`` naming the key.
///
/// ```swift
/// var config = RunConfig()
/// config.data.dataset = .syntheticClassification
/// config.model.layers = [.linear(units: 32, activation: .relu), .linear(units: 3)]
/// config.train.optimizer = .adam
/// config.train.lr = 1e-3
/// let result = try TrainingRun(config: config, runsDirectory: runsDirectory).execute()   // result.metrics["test"]
/// ```
///
/// Its `Codable` form (runs/<name>/config.json) has the run file's sections and keys.
public struct RunConfig: Equatable, Sendable {
    public var run = Run()
    public var data = DataSection()
    public var model = ModelSection()
    public var train = TrainSection()
    public var eval = EvalSection()
    /// Pruning while training (nil: none).
    public var prune: PruneSection?
    /// Distillation from a teacher run (nil: none).
    public var distill: DistillSection?
    /// Low-rank adapters on an LLM (`[model] base`); nil: the model's own parameters are trained.
    public var lora: LoRASection?

    public init() {}

    /// Whether the run fine-tunes a pretrained LLM (`[model] base`) rather than a model built from layers.
    public var isLanguageModelFineTune: Bool { model.base != nil }

    /// Throws the first setting out of its range, naming its key (`model.layers[2].units`).
    public func validate() throws {
        try run.validate()
        try data.validate()
        try model.validate()
        try train.validate()
        try eval.validate()
        try prune?.validate()
        try distill?.validate()
        try lora?.validate()
        if model.base != nil {
            guard lora != nil else {
                throw RunConfigError.invalidValue(key: "model.base", value: model.base!.runFileValue.tomlText,
                                                  allowed: "a [lora] section beside it (the base stays frozen; full fine-tuning is not supported)")
            }
            try Check.that(prune == nil && distill == nil, "model.base", model.base!,
                           "no [prune] or [distill] beside it (they are for models built from layers)")
            try Check.that(train.loss == .crossEntropy, "train.loss", train.loss.rawValue, "\"cross_entropy\" (the next-token loss) for a fine-tune")
            try Check.that(train.labelSmoothing == 0, "train.label_smoothing", train.labelSmoothing, "0 for a fine-tune")
            switch data.dataset {
            case .chat, .textFile, .text: break
            default:
                throw RunConfigError.invalidValue(key: "data.dataset", value: data.dataset.name.runFileValue.tomlText,
                                                  allowed: "text (the built-in Shakespeare), \"text:PATH\" or \"chat:PATH.jsonl\" for a fine-tune of model.base")
            }
        } else if lora != nil {
            throw RunConfigError.missingKey(key: "model.base")
        }
        if distill != nil && train.loss != .crossEntropy {
            throw RunConfigError.invalidValue(key: "train.loss", value: "\"\(train.loss.rawValue)\"", allowed: "\"cross_entropy\" with [distill] (it distils a classifier's probabilities)")
        }
    }
}

extension RunConfig: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init()
        run = try t.table("run", Run.init(reading:)) ?? run
        data = try t.table("data", DataSection.init(reading:)) ?? data
        model = try t.table("model", ModelSection.init(reading:)) ?? model
        train = try t.table("train", TrainSection.init(reading:)) ?? train
        eval = try t.table("eval", EvalSection.init(reading:)) ?? eval
        prune = try t.table("prune", PruneSection.init(reading:))
        distill = try t.table("distill", DistillSection.init(reading:))
        lora = try t.table("lora", LoRASection.init(reading:))
    }

    /// The sections in the order run files give them.
    var sections: [(name: String, entries: [RunFileEntry])] {
        [("run", run.entries), ("data", data.entries), ("model", model.entries), ("train", train.entries)]
            + (eval == EvalSection() ? [] : [("eval", eval.entries)])
            + (prune.map { [("prune", $0.entries)] } ?? []) + (distill.map { [("distill", $0.entries)] } ?? [])
            + (lora.map { [("lora", $0.entries)] } ?? [])
    }

    var entries: [RunFileEntry] {
        sections.map { RunFileEntry($0.name, RunFileValue.table($0.entries)) }
    }
}
