import Foundation

/// What the ranks of a data-parallel job told each other, step by step, for the debugger:
/// per-rank step time and communication wait, parameters no rank got a gradient for, and weight
/// checksums that disagreed. Every rank keeps the same record (it is exchanged each step).
public final class DistributedTelemetry {
    /// One step as every rank measured it.
    public struct Step: Sendable {
        public let step: Int
        /// Per rank: the step's wall time, seconds.
        public let seconds: [Double]
        /// Per rank: time spent blocked on the gradients' reduction after the backward pass.
        public let wait: [Double]
        /// Per rank: time a bucket's reduction was in flight, summed over buckets.
        public let communication: [Double]

        /// Per rank: the step's time other than waiting for the others.
        public var compute: [Double] { zip(seconds, wait).map { max($0 - $1, 0) } }
    }

    /// Ranks whose weights disagreed at a checksum (``Options/checksumEvery``).
    public struct Desync: Sendable, Equatable {
        public let step: Int
        /// The ranks whose checksum differs from rank 0's.
        public let ranks: [Int]
        /// The first parameter (in registration order) whose values differ.
        public let parameter: String?
    }

    public let worldSize: Int
    public let bucketCount: Int
    public let deterministicReduce: Bool
    public private(set) var steps: [Step] = []
    public internal(set) var desyncs: [Desync] = []
    /// Checksums compared (steps).
    public internal(set) var checksummedSteps: [Int] = []
    /// Parameters that no rank has had a gradient for, at any step so far.
    public internal(set) var parametersWithoutGradient: [String] = []
    /// Steps kept; older ones are dropped (the analyses need the recent past only).
    static let capacity = 20_000

    init(worldSize: Int, bucketCount: Int, deterministicReduce: Bool) {
        (self.worldSize, self.bucketCount, self.deterministicReduce) = (worldSize, bucketCount, deterministicReduce)
    }

    func record(_ step: Step) {
        if steps.count >= Self.capacity { steps.removeFirst(steps.count / 2) }
        steps.append(step)
    }

    /// A rank consistently slower than the others.
    public struct Straggler: Sendable, Equatable {
        public let rank: Int
        /// Its median compute time per step, and the median of the others' medians, seconds.
        public let medianCompute: Double, othersMedianCompute: Double
        /// The share of steps in which it was the slowest rank.
        public let slowestShare: Double
        /// The others' median wait per step (what it costs them), seconds.
        public let othersMedianWait: Double
        public let steps: Int
    }

    /// The rank that is slowest in most steps and at least `margin` (and `minimumExcess` seconds)
    /// slower than the others' median, over at least `minimumSteps` steps (the first, warm-up,
    /// step left out); nil when the ranks keep pace. The absolute floor keeps sub-millisecond
    /// steps, where rank 0's own bookkeeping (progress, the debugger's monitor) is a visible
    /// share, from crying wolf.
    public func straggler(margin: Double = 0.25, minimumExcess: Double = 0.001, minimumSteps: Int = 8,
                          slowestShareAtLeast: Double = 0.7) -> Straggler? {
        guard worldSize > 1 else { return nil }
        let measured = Array(steps.dropFirst())
        guard measured.count >= minimumSteps else { return nil }
        let compute = measured.map(\.compute)
        let medians = (0..<worldSize).map { r in Self.median(compute.map { $0[r] }) }
        guard let slowest = medians.indices.max(by: { medians[$0] < medians[$1] }) else { return nil }
        let others = medians.indices.filter { $0 != slowest }.map { medians[$0] }
        let othersMedian = Self.median(others)
        guard othersMedian > 0, medians[slowest] >= othersMedian * (1 + margin),
              medians[slowest] - othersMedian >= minimumExcess else { return nil }
        let slowestSteps = compute.filter { row in row.indices.max(by: { row[$0] < row[$1] }) == slowest }.count
        let share = Double(slowestSteps) / Double(compute.count)
        guard share >= slowestShareAtLeast else { return nil }
        let wait = Self.median(measured.flatMap { row in row.wait.indices.filter { $0 != slowest }.map { row.wait[$0] } })
        return Straggler(rank: slowest, medianCompute: medians[slowest], othersMedianCompute: othersMedian,
                         slowestShare: share, othersMedianWait: wait, steps: measured.count)
    }

    /// Per rank: median step time, compute and wait over the steps recorded (first step left out
    /// when there are others), seconds.
    public func perRankMedians() -> [(seconds: Double, compute: Double, wait: Double, communication: Double)] {
        let measured = steps.count > 1 ? Array(steps.dropFirst()) : steps
        return (0..<worldSize).map { r in
            (Self.median(measured.map { $0.seconds[r] }), Self.median(measured.map { $0.compute[r] }),
             Self.median(measured.map { $0.wait[r] }), Self.median(measured.map { $0.communication[r] }))
        }
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
