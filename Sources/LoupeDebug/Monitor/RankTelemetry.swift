import LoupeDistributed

/// What the ranks of a data-parallel run measured (health.json's `ranks`): per-rank step,
/// compute and wait times, the straggler analysis, weight checksums that disagreed and the
/// parameters no rank got a gradient for.
public struct RankTelemetry: Codable, Sendable, Equatable {
    public struct Rank: Codable, Sendable, Equatable {
        public var rank: Int
        /// Medians per step, milliseconds.
        public var stepMs: Double, computeMs: Double, waitMs: Double, communicationMs: Double
    }
    public struct Straggler: Codable, Sendable, Equatable {
        public var rank: Int
        public var computeMs: Double, othersComputeMs: Double, othersWaitMs: Double
        public var slowestShare: Double
        public var steps: Int
    }
    public struct Desync: Codable, Sendable, Equatable {
        public var step: Int
        public var ranks: [Int]
        public var parameter: String?
    }

    public var worldSize: Int
    public var buckets: Int
    public var deterministicReduce: Bool
    public var steps: Int
    public var ranks: [Rank]
    public var straggler: Straggler?
    public var desyncs: [Desync]
    public var checksums: Int
    public var parametersWithoutGradient: [String]

    public init(worldSize: Int, buckets: Int = 1, deterministicReduce: Bool = false, steps: Int, ranks: [Rank] = [],
                straggler: Straggler? = nil, desyncs: [Desync] = [], checksums: Int = 0, parametersWithoutGradient: [String] = []) {
        (self.worldSize, self.buckets, self.deterministicReduce, self.steps, self.ranks) = (worldSize, buckets, deterministicReduce, steps, ranks)
        (self.straggler, self.desyncs, self.checksums, self.parametersWithoutGradient) = (straggler, desyncs, checksums, parametersWithoutGradient)
    }

    public init(_ t: DistributedTelemetry) {
        worldSize = t.worldSize
        buckets = t.bucketCount
        deterministicReduce = t.deterministicReduce
        steps = t.steps.count
        ranks = t.perRankMedians().enumerated().map { r, m in
            Rank(rank: r, stepMs: m.seconds * 1000, computeMs: m.compute * 1000, waitMs: m.wait * 1000, communicationMs: m.communication * 1000)
        }
        straggler = t.straggler().map {
            Straggler(rank: $0.rank, computeMs: $0.medianCompute * 1000, othersComputeMs: $0.othersMedianCompute * 1000,
                      othersWaitMs: $0.othersMedianWait * 1000, slowestShare: $0.slowestShare, steps: $0.steps)
        }
        desyncs = t.desyncs.map { Desync(step: $0.step, ranks: $0.ranks, parameter: $0.parameter) }
        checksums = t.checksummedSteps.count
        parametersWithoutGradient = t.parametersWithoutGradient
    }
}
