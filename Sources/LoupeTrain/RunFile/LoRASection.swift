import LoupeLLM

extension RunConfig {
    /// `[lora]`: low-rank adapters on the base LLM's projections (`[model] base`), the only
    /// parameters a fine-tune trains; the base stays frozen. Hugging Face PEFT's settings, by the
    /// same names.
    public struct LoRASection: Equatable, Sendable {
        /// r, the adapters' rank.
        public var rank = 8
        /// α: the update is scaled by α/r.
        public var alpha = 16.0
        /// Dropout on the adapters' input.
        public var dropout = 0.0
        /// The projections adapted in every block.
        public var targets: [LlamaProjection] = [.q, .v]

        /// The adapters this section asks for, seeded by the run.
        public func lora(seed: UInt64) -> LlamaLoRA {
            LlamaLoRA(rank: rank, alpha: alpha, dropout: dropout, targets: Set(targets), seed: seed)
        }

        func validate() throws {
            // The upper bound is checked against the model's widths when it is loaded.
            try Check.count(rank, 1...65_536, "lora.rank")
            try Check.that(alpha.isFinite && alpha > 0 && alpha <= 1e6, "lora.alpha", alpha, "a number in (0, 1000000]")
            try Check.rate(dropout, "lora.dropout")
            try Check.that(!targets.isEmpty, "lora.targets", targets.map(\.rawValue), "at least one of \(Self.targetNames)")
            try Check.that(Set(targets).count == targets.count, "lora.targets", targets.map(\.rawValue), "each projection once")
        }

        static var targetNames: String { LlamaProjection.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") }
    }
}

extension RunConfig.LoRASection: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init()
        rank = try t.int("rank") ?? rank
        alpha = try t.double("alpha") ?? alpha
        dropout = try t.double("dropout") ?? dropout
        if let names = try t.strings("targets") {
            targets = try names.enumerated().map { i, name in
                // PEFT's module names (`q_proj`) are accepted as well as the short ones.
                guard let p = LlamaProjection(rawValue: name) ?? LlamaProjection.allCases.first(where: { $0.peftName == name }) else {
                    throw RunConfigError.invalidValue(key: "\(t.key("targets"))[\(i)]", value: name.runFileValue.tomlText,
                                                      allowed: "one of \(Self.targetNames) (a Llama block's projections)")
                }
                return p
            }
        }
    }

    var entries: [RunFileEntry] {
        [RunFileEntry("rank", rank), RunFileEntry("alpha", alpha), RunFileEntry("dropout", dropout),
         RunFileEntry("targets", targets.map(\.rawValue))]
    }
}
