import LoupeData

extension RunConfig {
    /// `[data]`: which dataset, how it is split, and what is done to it before training.
    public struct DataSection: Equatable, Sendable {
        public var dataset: DatasetSource = .digits
        /// Train / validation / test fractions (a file's own test set replaces the third).
        public var split = [0.8, 0.1, 0.1]
        /// Fitted on the training split only.
        public var normalize: NormalizationKind = .standard
        /// Fraction of training labels replaced by random ones.
        public var labelNoise = 0.0
        /// Use only this many training examples (0: all).
        public var trainLimit = 0
        /// Multiplies the inputs after normalization (reproduces badly scaled data).
        public var inputScale = 1.0
        /// Text data: tokens per example.
        public var blockSize = 128
        /// false keeps the order, sorted by label for classification data.
        public var shuffle = true
        /// A JSON file listing training-split indices to leave out (e.g. the debugger's suspect labels).
        public var exclude: String?

        func validate() throws {
            if let path = dataset.path { try Check.path(path, "data.dataset", shown: dataset.name) }
            try Check.that(split.count == 3 && split.allSatisfy { $0 >= 0 } && abs(split.reduce(0, +) - 1) < 1e-6 && split[0] > 0,
                           "data.split", split, "three fractions ≥ 0 (train > 0) adding up to 1")
            try Check.within(labelNoise, 0...1, "data.label_noise")
            try Check.atLeast(trainLimit, 0, "data.train_limit")
            try Check.within(inputScale, -1e30...1e30, "data.input_scale")
            try Check.count(blockSize, 1...(1 << 20), "data.block_size")
            if let exclude { try Check.path(exclude, "data.exclude", shown: exclude) }
        }
    }
}

extension NormalizationKind: RunFileValueConvertible {}

extension RunConfig.DataSection: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init()
        if let name = try t.string("dataset") {
            do { dataset = try DatasetSource(name: name) } catch {
                throw RunConfigError.invalidValue(key: t.key("dataset"), value: name.runFileValue.tomlText,
                                                  allowed: DatasetSource.allKinds.map(\.name).joined(separator: " | "))
            }
        }
        split = try t.doubles("split") ?? split
        normalize = try t.choice("normalize") ?? normalize
        labelNoise = try t.double("label_noise") ?? labelNoise
        trainLimit = try t.int("train_limit") ?? trainLimit
        inputScale = try t.double("input_scale") ?? inputScale
        blockSize = try t.int("block_size") ?? blockSize
        shuffle = try t.bool("shuffle") ?? shuffle
        exclude = try t.string("exclude")
    }

    var entries: [RunFileEntry] {
        [RunFileEntry("dataset", dataset.name), RunFileEntry("split", split), RunFileEntry("normalize", normalize),
         RunFileEntry("label_noise", labelNoise), RunFileEntry("train_limit", trainLimit), RunFileEntry("input_scale", inputScale),
         RunFileEntry("block_size", blockSize), RunFileEntry("shuffle", shuffle), RunFileEntry("exclude", ifSet: exclude)]
            .compactMap { $0 }
    }
}
