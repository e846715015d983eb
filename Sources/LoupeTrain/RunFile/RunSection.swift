extension RunConfig {
    /// `[run]`: the run's name and the seed everything random derives from.
    public struct Run: Equatable, Sendable {
        /// Names runs/<name>/, one path component: letters, digits, '-', '_' or '.', not starting
        /// with '.' (so never `.` or `..`), at most 100 characters.
        public var name = "run"
        /// Data split, shuffling, weights and dropout: the same seed gives the same run.
        public var seed: UInt64 = 1

        static let nameRule = "letters, digits, '-', '_' or '.', not starting with '.', at most 100 characters (it names runs/<name>/)"

        func validate() throws {
            try Check.that(!name.isEmpty && !name.hasPrefix(".") && name.count <= 100
                               && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }, "run.name", name,
                           Self.nameRule)
            // TOML's integers are signed 64-bit.
            guard seed <= UInt64(Int64.max) else {
                throw RunConfigError.invalidValue(key: "run.seed", value: String(seed), allowed: "an integer in 0...\(Int64.max)")
            }
        }
    }
}

extension RunConfig.Run: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init()
        name = try t.string("name") ?? name
        if let seed = try t.int("seed") {
            guard let unsigned = UInt64(exactly: seed) else {
                throw RunConfigError.invalidValue(key: t.key("seed"), value: String(seed), allowed: "an integer ≥ 0")
            }
            self.seed = unsigned
        }
    }

    var entries: [RunFileEntry] {
        // A seed past Int64.max (refused by validate()) is written negative, which the parser refuses.
        [RunFileEntry("name", name), RunFileEntry("seed", Int(truncatingIfNeeded: seed))]
    }
}
