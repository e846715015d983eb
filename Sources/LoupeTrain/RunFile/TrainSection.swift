extension RunConfig {
    /// `[train]`: the objective, the optimizer and its schedule, and when training stops.
    public struct TrainSection: Equatable, Sendable {
        public var loss: LossKind = .crossEntropy
        public var optimizer: OptimizerSpec = .sgd(momentum: 0)
        public var lr = 0.01
        /// L2 for sgd/adam/rmsprop/adagrad, decoupled for adamw.
        public var weightDecay = 0.0
        public var batchSize = 64
        /// Passes over the training split; with `steps` set, nil runs until `steps`.
        public var epochs: Int? = 10
        /// Optimizer steps, instead of `epochs` (a run file sets one of the two).
        public var steps: Int?
        /// Clips the global gradient norm (0: off).
        public var gradClip = 0.0
        public var schedule: ScheduleSpec = .constant(warmup: 0)
        /// Stop after this many evaluations without a better validation loss (0: never).
        public var earlyStoppingPatience = 0
        /// Evaluate on the validation split every this many epochs.
        public var evalEvery = 1
        /// Cross-entropy only.
        public var labelSmoothing = 0.0

        func validate() throws {
            try Check.within(lr, 0...100, "train.lr")
            try optimizer.validate()
            try Check.within(weightDecay, 0...10, "train.weight_decay")
            try Check.count(batchSize, 1...(1 << 24), "train.batch_size")
            if let epochs { try Check.count(epochs, 1...1_000_000, "train.epochs") }
            if let steps { try Check.count(steps, 1...1_000_000_000_000, "train.steps") }
            guard epochs != nil || steps != nil else { throw RunConfigError.missingKey(key: "train.epochs") }
            // Training stops at `steps` when it is set, so epochs beside it would be silently ignored.
            if let epochs, steps != nil {
                try Check.that(false, "train.epochs", epochs, "no epochs beside train.steps: set one of the two")
            }
            try Check.within(gradClip, 0...1e9, "train.grad_clip")
            try schedule.validate()
            try Check.count(earlyStoppingPatience, 0...1_000_000, "train.early_stopping_patience")
            try Check.count(evalEvery, 1...1_000_000, "train.eval_every")
            try Check.within(labelSmoothing, 0...0.999, "train.label_smoothing")
        }
    }
}

extension LossKind: RunFileValueConvertible {}

extension RunConfig.TrainSection: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init()
        loss = try t.choice("loss") ?? loss
        optimizer = try OptimizerSpec(reading: t, otherwise: optimizer)
        lr = try t.double("lr") ?? lr
        weightDecay = try t.double("weight_decay") ?? weightDecay
        batchSize = try t.int("batch_size") ?? batchSize
        // A run file that gives only `steps` runs for that many steps, however many epochs they take.
        steps = try t.int("steps")
        epochs = try t.int("epochs") ?? (steps == nil ? epochs : nil)
        gradClip = try t.double("grad_clip") ?? gradClip
        schedule = try ScheduleSpec(reading: t, otherwise: schedule)
        earlyStoppingPatience = try t.int("early_stopping_patience") ?? earlyStoppingPatience
        evalEvery = try t.int("eval_every") ?? evalEvery
        labelSmoothing = try t.double("label_smoothing") ?? labelSmoothing
    }

    var entries: [RunFileEntry] {
        var entries = [RunFileEntry("loss", loss)] + optimizer.entries
        entries += [RunFileEntry("lr", lr), RunFileEntry("weight_decay", weightDecay), RunFileEntry("batch_size", batchSize)]
        entries += [RunFileEntry("epochs", ifSet: epochs), RunFileEntry("steps", ifSet: steps)].compactMap { $0 }
        entries += [RunFileEntry("grad_clip", gradClip)] + schedule.entries
        entries += [RunFileEntry("early_stopping_patience", earlyStoppingPatience), RunFileEntry("eval_every", evalEvery),
                    RunFileEntry("label_smoothing", labelSmoothing)]
        return entries
    }
}
