/// Where a run's data comes from: committed real data, seeded synthetic data, or a file in a
/// standard format. ``name`` is how run files (`data.dataset`) and
/// ``BuiltinDatasets/load(name:options:)`` spell it; ``BuiltinDatasets/load(_:options:)`` loads it.
///
/// | name | what |
/// |---|---|
/// | `digits` | UCI handwritten digits, 1,797 images: inputs float32 [1797, 8, 8] in [0, 1] (raw 0...16 / 16), targets int64 [1797] |
/// | `text` | ~940 KB of Shakespeare plays, character-level: inputs, targets int64 [N, blockSize] |
/// | `synthetic-classification` | ``Synthetic/classification(samples:features:classes:spread:seed:)`` |
/// | `synthetic-regression` | ``Synthetic/regression(samples:features:outputs:noise:seed:)`` |
/// | `csv:PATH` | ``CSVReader`` with a header row and class labels in the last column |
/// | `mnist:DIR` | ``MNIST/load(directory:part:)``, with the `t10k` files as the test part when present |
/// | `cifar10:DIR` | ``CIFAR10/load(directory:train:)``, with `test_batch.bin` as the test part when present |
/// | `text:PATH` | a UTF-8 file as a character-level ``TextCorpus`` (with `[model] base`: the LLM's tokens) |
/// | `chat:PATH` | chat JSONL (`{"messages": [...]}` per line) for fine-tuning an LLM (`[model] base`) |
///
/// Sources and licences of the committed files are in `Sources/LoupeData/Builtin/README.md`.
///
/// ```swift
/// let source = try DatasetSource(name: "csv:" + path)   // .csv(path: path)
/// let loaded = try BuiltinDatasets.load(source)          // loaded.train: every row; loaded.classCount
/// ```
public enum DatasetSource: Equatable, Sendable {
    case digits
    case text
    case syntheticClassification
    case syntheticRegression
    case csv(path: String)
    case mnist(directory: String)
    case cifar10(directory: String)
    case textFile(path: String)
    /// Conversations for fine-tuning an LLM; only a run with `[model] base` can read them.
    case chat(path: String)

    /// One source of each kind, the file-backed ones with a placeholder (`csv:PATH`): the list that
    /// error messages, `loupe train --help` and the tests go through.
    public static let allKinds: [DatasetSource] = [
        .digits, .text, .syntheticClassification, .syntheticRegression,
        .csv(path: "PATH"), .mnist(directory: "DIR"), .cifar10(directory: "DIR"), .textFile(path: "PATH"),
        .chat(path: "PATH"),
    ]

    /// The source a name stands for (the inverse of ``name``).
    /// - Throws: ``DataError/unknownDataset(name:known:)`` listing ``allKinds`` when the name is not
    ///   one of them, or a file-backed kind has an empty path.
    public init(name: String) throws {
        let colon = name.firstIndex(of: ":")
        let kind = colon.map { name[..<$0] } ?? name[...]
        let path = colon.map { String(name[name.index(after: $0)...]) }
        switch (kind, path) {
        case ("digits", nil): self = .digits
        case ("text", nil): self = .text
        case ("synthetic-classification", nil): self = .syntheticClassification
        case ("synthetic-regression", nil): self = .syntheticRegression
        case let ("csv", path?) where !path.isEmpty: self = .csv(path: path)
        case let ("mnist", path?) where !path.isEmpty: self = .mnist(directory: path)
        case let ("cifar10", path?) where !path.isEmpty: self = .cifar10(directory: path)
        case let ("text", path?) where !path.isEmpty: self = .textFile(path: path)
        case let ("chat", path?) where !path.isEmpty: self = .chat(path: path)
        default: throw DataError.unknownDataset(name: name, known: Self.allKinds.map(\.name))
        }
    }

    /// How a run file names this source: `digits`, `csv:PATH`, ...
    public var name: String {
        switch self {
        case .digits: "digits"
        case .text: "text"
        case .syntheticClassification: "synthetic-classification"
        case .syntheticRegression: "synthetic-regression"
        case let .csv(path): "csv:" + path
        case let .mnist(directory): "mnist:" + directory
        case let .cifar10(directory): "cifar10:" + directory
        case let .textFile(path): "text:" + path
        case let .chat(path): "chat:" + path
        }
    }

    /// The file or directory a file-backed source reads; nil for the committed and generated ones.
    public var path: String? {
        switch self {
        case .digits, .text, .syntheticClassification, .syntheticRegression: nil
        case let .csv(path), let .textFile(path), let .chat(path): path
        case let .mnist(directory), let .cifar10(directory): directory
        }
    }
}
