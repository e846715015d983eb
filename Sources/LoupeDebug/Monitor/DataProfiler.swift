import Foundation
import LoupeCore

/// What the batches themselves say: the scale of the inputs, and whether the labels within a batch
/// look like a random draw (shuffled) or a run of one class (sorted data).
final class DataProfiler {
    /// Batches whose inputs are measured (the data does not change; a few batches tell).
    static let inputBatches = 20

    private var inputs = TensorStatistics()
    private var nonFinite = 0
    private var batches = 0
    private var labelCounts: [Int: Int] = [:]
    private var entropySum = 0.0, entropyBatches = 0
    private var previousMajority: Int?
    private var repeatedMajority = 0, majorityPairs = 0
    /// Text: how often each target token occurs in the first epoch (the unigram baseline).
    private var tokenCounts: [Int: Int] = [:]
    /// Regression: Σy, Σy² and the count of the first epoch's float targets (the mean predictor's loss).
    private var targetSum = 0.0, targetSquares = 0.0, targetCount = 0

    func observe(inputs x: Tensor, targets y: Tensor, firstEpoch: Bool) {
        batches += 1
        if batches <= Self.inputBatches, x.dtype.isFloatingPoint {
            let s = x.statistics()
            inputs.merge(s)
            nonFinite += s.nonFinite
        }
        if firstEpoch, y.dtype == .int64, y.rank == 2 {
            for token in y.ints() { tokenCounts[token, default: 0] += 1 }
        }
        if firstEpoch, y.dtype.isFloatingPoint {
            for v in y.doubles() where v.isFinite { (targetSum, targetSquares, targetCount) = (targetSum + v, targetSquares + v * v, targetCount + 1) }
        }
        guard firstEpoch, y.dtype == .int64, y.rank == 1, y.count > 1 else { return }
        var counts: [Int: Int] = [:]
        for label in y.ints() { counts[label, default: 0] += 1 }
        for (label, n) in counts { labelCounts[label, default: 0] += n }
        entropySum += Self.entropy(counts.values)
        entropyBatches += 1
        let majority = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key
        if let previousMajority {
            majorityPairs += 1
            if previousMajority == majority { repeatedMajority += 1 }
        }
        previousMajority = majority
    }

    static func entropy<C: Collection>(_ counts: C) -> Double where C.Element == Int {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return 0 }
        return -counts.filter { $0 > 0 }.map { Double($0) / total * Foundation.log(Double($0) / total) }.reduce(0, +)
    }

    var profile: DataProfile {
        var p = DataProfile()
        p.batchesSeen = batches
        if inputs.total > 0 {
            p.inputMean = inputs.mean
            p.inputStd = inputs.standardDeviation
            p.inputMaxMagnitude = inputs.maxMagnitude
        }
        p.inputNonFinite = nonFinite
        if entropyBatches > 0 {
            p.meanBatchLabelEntropy = entropySum / Double(entropyBatches)
            p.labelEntropy = Self.entropy(labelCounts.values)
            p.classes = labelCounts.count
            let total = labelCounts.values.reduce(0, +)
            if total > 0 { p.majorityFraction = Double(labelCounts.values.max() ?? 0) / Double(total) }
        }
        if !tokenCounts.isEmpty { p.unigramLoss = Self.entropy(tokenCounts.values) }
        if targetCount > 1 {
            let mean = targetSum / Double(targetCount)
            p.targetVariance = max(0, targetSquares / Double(targetCount) - mean * mean)
        }
        if majorityPairs > 0 { p.repeatedMajorityFraction = Double(repeatedMajority) / Double(majorityPairs) }
        return p
    }
}
