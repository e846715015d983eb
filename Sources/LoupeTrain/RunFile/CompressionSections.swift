extension RunConfig {
    /// `[prune]`: magnitude pruning while the run trains (a fine-tune of a trained model, with
    /// `model.init_from`): the smallest weights of the linear and convolution layers are zeroed,
    /// the share rising from 0 to `sparsity` along Zhu & Gupta's cubic schedule over the first
    /// `ramp` of the steps, and kept at zero after every optimizer step.
    public struct PruneSection: Equatable, Sendable {
        /// The share of weights zeroed at the end, in [0, 1).
        public var sparsity: Double
        /// Each layer to `sparsity` (`layer`, Zhu & Gupta's and TensorFlow's default), or one
        /// threshold over all layers' weights (`global`: it may empty a small layer of large weights' neighbours).
        public var scope: PruningScope = .layer
        /// The share of the run's steps over which the sparsity rises, in (0, 1].
        public var ramp: Double = 0.75
        /// Steps between mask updates.
        public var every: Int = 10

        public init(sparsity: Double, scope: PruningScope = .layer, ramp: Double = 0.75, every: Int = 10) {
            (self.sparsity, self.scope, self.ramp, self.every) = (sparsity, scope, ramp, every)
        }

        func validate() throws {
            try Check.that(sparsity.isFinite && sparsity >= 0 && sparsity < 1, "prune.sparsity", sparsity, "a number in [0, 1) (0.5 zeroes half the weights)")
            try Check.that(ramp > 0 && ramp <= 1, "prune.ramp", ramp, "a number in (0, 1]")
            try Check.count(every, 1...1_000_000, "prune.every")
        }
    }

    /// `[distill]`: knowledge distillation (Hinton et al., 2015). The loss is
    /// `alpha · T² · KL(teacher_T ‖ student_T) + (1 − alpha) · CE(student, labels)`, where `_T` is
    /// the softmax of the logits divided by the temperature T; the teacher only predicts.
    public struct DistillSection: Equatable, Sendable {
        /// The teacher: a trained run's folder (its best checkpoint is used). nil only in a
        /// student file for `loupe compress RUN --plan distill:FILE`, which sets RUN.
        public var teacher: String?
        /// T > 0: higher spreads the teacher's probabilities, showing more of what it knows.
        public var temperature: Double = 4
        /// The weight of the teacher's term, in [0, 1].
        public var alpha: Double = 0.9

        public init(teacher: String?, temperature: Double = 4, alpha: Double = 0.9) {
            (self.teacher, self.temperature, self.alpha) = (teacher, temperature, alpha)
        }

        func validate() throws {
            if let teacher { try Check.path(teacher, "distill.teacher", shown: teacher) }
            try Check.that(temperature.isFinite && temperature > 0 && temperature <= 100, "distill.temperature", temperature, "a number in (0, 100]")
            try Check.within(alpha, 0...1, "distill.alpha")
        }
    }
}

/// How ``RunConfig/PruneSection`` sets its thresholds.
public enum PruningScope: String, CaseIterable, Sendable, Codable {
    case global, layer
}

extension PruningScope: RunFileValueConvertible {}

extension RunConfig.PruneSection: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init(sparsity: try t.required("sparsity", t.double))
        scope = try t.choice("scope") ?? scope
        ramp = try t.double("ramp") ?? ramp
        every = try t.int("every") ?? every
    }

    var entries: [RunFileEntry] {
        [RunFileEntry("sparsity", sparsity), RunFileEntry("scope", scope), RunFileEntry("ramp", ramp), RunFileEntry("every", every)]
    }
}

extension RunConfig.DistillSection: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init(teacher: try t.string("teacher"))
        temperature = try t.double("temperature") ?? temperature
        alpha = try t.double("alpha") ?? alpha
    }

    var entries: [RunFileEntry] {
        [RunFileEntry("teacher", ifSet: teacher), RunFileEntry("temperature", temperature), RunFileEntry("alpha", alpha)].compactMap { $0 }
    }
}
