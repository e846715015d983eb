import LoupeCore

/// A dataset cut into training, validation and test parts.
public struct DatasetSplits: Sendable {
    public let train: TensorDataset
    public let validation: TensorDataset
    public let test: TensorDataset

    public init(train: TensorDataset, validation: TensorDataset, test: TensorDataset) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// Shuffles `dataset` with `seed` and cuts it by three fractions (train, validation, test);
    /// see ``split(_:fractions:seed:)`` for the sizes.
    public init(splitting dataset: TensorDataset, fractions: [Double] = [0.8, 0.1, 0.1], seed: UInt64) throws {
        guard fractions.count == 3 else {
            throw DataError.invalidArgument(op: "split", reason: "got \(fractions.count) fractions, expected 3 (train, validation, test)")
        }
        let parts = try split(dataset, fractions: fractions, seed: seed)
        self.init(train: parts[0], validation: parts[1], test: parts[2])
    }
}

/// Shuffles `dataset` with a generator seeded by `seed` and cuts it into consecutive parts.
///
/// Part i gets `⌊fractions[i] · N⌋` samples. When the fractions add up to 1 (within 1e-9), the
/// samples left over by rounding down (fewer than the number of parts) go to the first part, so
/// every sample is used; otherwise the rest of the dataset is left out. For N = 1,797 and
/// `[0.8, 0.1, 0.1]`: 1,439 / 179 / 179.
///
/// - Throws: ``DataError/invalidArgument(op:reason:)`` when a fraction is negative or not finite,
///   or when they add up to more than 1 + 1e-9.
public func split(_ dataset: TensorDataset, fractions: [Double], seed: UInt64) throws -> [TensorDataset] {
    guard !fractions.isEmpty else { throw DataError.invalidArgument(op: "split", reason: "no fractions given") }
    if let bad = fractions.first(where: { !$0.isFinite || $0 < 0 }) {
        throw DataError.invalidArgument(op: "split", reason: "fraction \(bad) is not allowed, expected every fraction ≥ 0")
    }
    let total = fractions.reduce(0, +)
    guard total <= 1 + 1e-9 else {
        throw DataError.invalidArgument(op: "split", reason: "fractions \(fractions) add up to \(total), expected at most 1")
    }
    let n = dataset.count
    // The small addend keeps products such as 0.29 · 100 = 28.999999999999996 from rounding down to 28.
    var sizes = fractions.map { min(n, Int(($0 * Double(n) + 1e-6).rounded(.down))) }
    if Swift.abs(total - 1) <= 1e-9 { sizes[0] += n - sizes.reduce(0, +) }
    var generator = RandomGenerator(seed: seed)
    let order = generator.permutation(n)
    var start = 0
    return try sizes.map { size in
        defer { start += size }
        return try dataset.subset(Array(order[start..<(start + size)]))
    }
}
