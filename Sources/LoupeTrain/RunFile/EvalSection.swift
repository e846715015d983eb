import Foundation

extension RunConfig {
    /// `[eval]`: what `loupe eval` holds the trained model to.
    public struct EvalSection: Equatable, Sendable {
        /// Requirement lines, `"macro_f1 >= 0.95"`, `"recall[class=3] >= 0.9"`, `"p95_latency_ms <= 2"`:
        /// `loupe eval` judges each and exits with status 1 when one fails (docs/EVALUATION.md
        /// lists the figures). They are read by `loupe eval`, which names a malformed one.
        public var require: [String] = []
        /// The price of compute, US$ per CPU core-hour, for the cost per million predictions;
        /// nil: `loupe eval`'s default (or its `--price`).
        public var pricePerCoreHour: Double?

        func validate() throws {
            for (i, line) in require.enumerated() {
                try Check.that(!line.trimmingCharacters(in: .whitespaces).isEmpty, "eval.require[\(i)]", line,
                               "a requirement such as \"macro_f1 >= 0.95\"")
            }
            if let price = pricePerCoreHour {
                try Check.that(price.isFinite && price >= 0, "eval.price_per_core_hour", String(price), "a number ≥ 0")
            }
        }
    }
}

extension RunConfig.EvalSection: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init()
        require = try t.strings("require") ?? require
        pricePerCoreHour = try t.double("price_per_core_hour")
    }

    var entries: [RunFileEntry] {
        [RunFileEntry("require", require), RunFileEntry("price_per_core_hour", ifSet: pricePerCoreHour)].compactMap { $0 }
    }
}
