extension RunConfig {
    /// `[model]`: the layers, from input to output, that ``ModelBuilder`` builds.
    public struct ModelSection: Equatable, Sendable {
        /// One example's shape, reshaping the data's when the sizes agree (digits are [8, 8]; an MLP
        /// wants [64]); nil keeps the data's shape.
        public var input: [Int]?
        public var layers: [LayerSpec] = []

        func validate() throws {
            if let input {
                try Check.that(!input.isEmpty && input.allSatisfy { $0 >= 1 }, "model.input", input,
                               "an array of positive integers, e.g. [64] or [1, 8, 8]")
            }
            guard !layers.isEmpty else { throw RunConfigError.missingKey(key: "model.layers") }
            for (i, layer) in layers.enumerated() { try layer.validate(key: "model.layers[\(i)]") }
        }
    }
}

extension RunConfig.ModelSection: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init()
        input = try t.ints("input")
        layers = try t.tables("layers", LayerSpec.init(reading:)) ?? layers
    }

    var entries: [RunFileEntry] {
        [RunFileEntry("input", ifSet: input), RunFileEntry("layers", layers.map { RunFileValue.table($0.entries) })].compactMap { $0 }
    }
}
