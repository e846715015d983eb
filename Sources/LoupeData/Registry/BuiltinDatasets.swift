import Foundation
import LoupeCore

/// Loads the datasets a run can name (``DatasetSource``): committed real data, seeded synthetic
/// data, and files in standard formats.
public enum BuiltinDatasets {
    /// Parameters the generated and text datasets take; the others ignore them.
    public struct Options: Sendable, Equatable {
        /// Tokens per sample for text datasets.
        public var blockSize = 64
        /// Synthetic data: samples, features, classes (classification), outputs and noise (regression).
        public var samples = 1000
        public var features = 2
        public var classes = 3
        public var outputs = 1
        public var noise = 0.1
        public var seed: UInt64 = 0

        public init(blockSize: Int = 64, samples: Int = 1000, features: Int = 2, classes: Int = 3, outputs: Int = 1,
                    noise: Double = 0.1, seed: UInt64 = 0) {
            self.blockSize = blockSize
            self.samples = samples
            self.features = features
            self.classes = classes
            self.outputs = outputs
            self.noise = noise
            self.seed = seed
        }
    }

    /// A loaded dataset with what a run needs to know about it.
    public struct Loaded: Sendable {
        public let name: String
        /// All samples, or the predefined training part when the source has one (MNIST, CIFAR-10).
        public let train: TensorDataset
        /// The source's own test part (MNIST `t10k`, CIFAR-10 `test_batch.bin`), when present.
        public let test: TensorDataset?
        /// Number of classes for classification data; `nil` for regression.
        public let classCount: Int?
        /// The character vocabulary of text data.
        public let vocabulary: CharVocabulary?
    }

    /// Loads a dataset by name: `digits`, `csv:PATH`, ... (see ``DatasetSource``).
    ///
    /// - Throws: ``DataError/unknownDataset(name:known:)`` for a name it does not know, and the
    ///   reader's errors for bad files.
    public static func load(name: String, options: Options = Options()) throws -> Loaded {
        try load(DatasetSource(name: name), options: options)
    }

    /// Loads a dataset.
    ///
    /// - Throws: the reader's errors for missing or bad files.
    public static func load(_ source: DatasetSource, options: Options = Options()) throws -> Loaded {
        let name = source.name
        switch source {
        case .digits:
            return Loaded(name: name, train: try digits(), test: nil, classCount: 10, vocabulary: nil)
        case .text:
            return try text(name: name, corpus: shakespeare(), blockSize: options.blockSize)
        case .syntheticClassification:
            let data = try Synthetic.classification(samples: options.samples, features: options.features, classes: options.classes, seed: options.seed)
            return Loaded(name: name, train: data, test: nil, classCount: options.classes, vocabulary: nil)
        case .syntheticRegression:
            let data = try Synthetic.regression(samples: options.samples, features: options.features, outputs: options.outputs,
                                                noise: options.noise, seed: options.seed)
            return Loaded(name: name, train: data, test: nil, classCount: nil, vocabulary: nil)
        case let .mnist(directory):
            let train = try MNIST.load(directory: directory, part: .train)
            let test = MNIST.hasPart(.test, in: directory) ? try MNIST.load(directory: directory, part: .test) : nil
            return Loaded(name: name, train: train, test: test, classCount: 10, vocabulary: nil)
        case let .cifar10(directory):
            let train = try CIFAR10.load(directory: directory, train: true)
            let hasTest = FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("test_batch.bin"))
                || FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("cifar-10-batches-bin/test_batch.bin"))
            let test = hasTest ? try CIFAR10.load(directory: directory, train: false) : nil
            return Loaded(name: name, train: train, test: test, classCount: 10, vocabulary: nil)
        case let .csv(path):
            let data = try CSVReader().read(path)
            return Loaded(name: name, train: data, test: nil, classCount: data.classCount, vocabulary: nil)
        case let .textFile(path):
            return try text(name: name, corpus: TextCorpus(contentsOf: path), blockSize: options.blockSize)
        case .chat:
            // Conversations are tokens of an LLM's vocabulary, rendered through its chat template:
            // only a fine-tune of one (`[model] base`) can read them.
            throw DataError.invalidArgument(op: "dataset \(name)", reason: "chat data is for fine-tuning an LLM: set [model] base (\"smollm2\" or a GGUF file) and [lora]")
        }
    }

    /// The UCI optical handwritten digits (the 1,797-image copy scikit-learn ships): inputs float32
    /// [1797, 8, 8], the 0...16 block counts divided by 16 into [0, 1]; targets int64 [1797] in 0...9.
    /// The outer columns of the image are blank in almost every sample, and a few pixels in all.
    public static func digits() throws -> TensorDataset {
        let path = try resourcePath("digits.csv.gz")
        let table = try CSVReader(label: .index(-1), hasHeader: false).read(path)
        guard table.sampleShape == [64] else {
            throw DataError.badRow(file: path, line: 1, expected: "65 (64 pixels and the label)", found: table.sampleShape[0] + 1)
        }
        let pixels = table.inputs.floats().map { $0 / 16 }
        return try TensorDataset(inputs: Tensor(pixels, shape: [table.count, 8, 8]), targets: table.targets)
    }

    /// The committed Shakespeare text as a character-level corpus.
    public static func shakespeare() throws -> TextCorpus {
        try TextCorpus(contentsOf: resourcePath("shakespeare.txt"))
    }

    private static func text(name: String, corpus: TextCorpus, blockSize: Int) throws -> Loaded {
        Loaded(name: name, train: try corpus.blocks(blockSize: blockSize), test: nil, classCount: corpus.vocabulary.count,
               vocabulary: corpus.vocabulary)
    }

    /// The path of a committed file in the module's `Builtin` resource folder.
    /// The built-in Shakespeare text's file (what `loupe eval-lm` reads by default).
    public static func shakespearePath() throws -> String { try resourcePath("shakespeare.txt") }

    static func resourcePath(_ file: String) throws -> String {
        guard let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Builtin") else {
            throw DataError.unreadable(file: "Builtin/\(file)", reason: "the resource is missing from the LoupeData bundle")
        }
        return url.path
    }
}
