import LoupeCore

// Deliberate changes to a dataset that experiments ask for: noisy labels, fewer samples, badly
// scaled inputs, an unshuffled order. Each returns a new dataset and leaves this one as it is.

extension TensorDataset {
    /// Replaces the labels of `⌊fraction · N⌉` samples, chosen at random, by classes drawn uniformly
    /// from `0..<classes` (as in Zhang et al. 2017, "Understanding deep learning requires rethinking
    /// generalization"). A drawn class can equal the original one, so about `fraction · (1 − 1/classes)`
    /// of the labels actually change.
    ///
    /// Both the samples and the new classes come from `generator`, so a seeded generator gives the same
    /// corruption every run. Needs [N] int64 class labels.
    public func withLabelNoise(fraction: Double, classes: Int, using generator: inout RandomGenerator) throws -> TensorDataset {
        guard fraction.isFinite, (0...1).contains(fraction) else {
            throw DataError.invalidArgument(op: "withLabelNoise", reason: "fraction is \(fraction), expected a value in 0...1")
        }
        guard classes > 0 else {
            throw DataError.invalidArgument(op: "withLabelNoise", reason: "classes is \(classes), expected at least 1")
        }
        var labels = try self.labels()
        let replaced = Int((fraction * Double(count)).rounded())
        for i in generator.permutation(count).prefix(replaced) { labels[i] = generator.nextInt(below: classes) }
        return try TensorDataset(inputs: inputs, targets: Tensor(indices: labels))
    }

    /// The first `n` samples (all of them when `n ≥ count`), for experiments with less training data.
    public func limited(to n: Int) throws -> TensorDataset {
        guard n >= 1 else { throw DataError.invalidArgument(op: "limited", reason: "limit is \(n), expected at least 1") }
        return n >= count ? self : try subset(Array(0..<n))
    }

    /// The inputs multiplied by `factor` (float32 inputs only), for experiments with badly scaled data.
    public func scaled(by factor: Float) throws -> TensorDataset {
        guard inputs.dtype == .float32 else {
            throw DataError.shapeMismatch(op: "scaled", reason: "inputs are \(inputs.dtype), expected float32")
        }
        guard factor.isFinite else { throw DataError.invalidArgument(op: "scaled", reason: "factor is \(factor), expected a finite number") }
        return try TensorDataset(inputs: (inputs * Double(factor)).detach(), targets: targets)
    }

    /// The samples sorted by class label (stable: equal labels keep their order), for experiments on
    /// what an unshuffled loader does to training. Needs [N] int64 class labels.
    public func sortedByLabel() throws -> TensorDataset {
        let labels = try self.labels()
        let order = labels.indices.sorted { (labels[$0], $0) < (labels[$1], $1) }
        return try subset(order)
    }
}
