import Foundation
import LoupeCore
import LoupeData
@testable import LoupeDistributed
import LoupeNN
import LoupeReport
import LoupeTrain
import Testing

/// The data-parallel code path on a job of one rank (``SoloCommunicator``): buckets, hooks and
/// the reduction must leave training exactly as one process trains. (N > 1 runs under mpirun in
/// scripts/distributed-tests.sh.)
struct SoloTrainingTests {
    static let config = """
        [run]
        name = "solo"
        seed = 5
        [data]
        dataset = "digits"
        [model]
        input = [64]
        layers = [
          { type = "linear", units = 24 },
          { type = "batchnorm" },
          { type = "activation", activation = "relu" },
          { type = "dropout", rate = 0.2 },
          { type = "linear", units = 10 },
        ]
        [train]
        loss = "cross_entropy"
        optimizer = "adam"
        lr = 0.01
        batch_size = 37
        """

    static func train(_ options: DistributedTraining.Options?) throws -> [[Float]] {
        let config = try RunConfig(toml: config)
        let run = try TrainingRun(config: config, directory: FileManager.default.temporaryDirectory.appendingPathComponent("solo-unused"))
        let data = try run.prepareData()
        let (trainer, model) = try run.makeTrainer(data)
        if let options {
            let parallel = DistributedTraining(communicator: SoloCommunicator(), options: options)
            trainer.dataParallel = parallel
            try parallel.prepare(trainer, config: config, smallestBatch: 37)
        }
        var loader = try DataLoader(dataset: data.splits.train, batchSize: 37, seed: 5)
        var epoch = loader.makeEpoch()
        for _ in 0..<12 {
            let batch = try epoch.next()!
            try trainer.trainStep(batch.inputs, batch.targets)
        }
        return model.namedParameters().map { $0.parameter.value.floats() }
            + model.namedBuffers().map { $0.buffer.value.floats() }
    }

    @Test(arguments: [(64, true, false), (1 << 20, true, false), (256, false, false), (128, true, true)])
    func equalsOneProcessBitForBit(bucketBytes: Int, overlap: Bool, deterministic: Bool) throws {
        var options = DistributedTraining.Options()
        options.bucketBytes = bucketBytes
        options.overlap = overlap
        options.deterministicReduce = deterministic
        options.checksumEvery = 4
        #expect(try Self.train(options) == Self.train(nil))
    }

    /// A module with a parameter the loss never reads.
    final class WithUnused: Module {
        let used: Linear = {
            var rng = RandomGenerator(seed: 1)
            return try! Linear(4, 2, using: &rng)
        }()
        let unused = Parameter(Tensor.ones([3]))
        override func forward(_ x: Tensor) throws -> Tensor { try used(x) }
    }

    @Test func namesParametersWithoutGradient() throws {
        let model = WithUnused()
        let trainer = Trainer(model: model, optimizer: try SGD(model.parameters(), lr: 0.1), loss: .mse)
        let parallel = DistributedTraining(communicator: SoloCommunicator())
        trainer.dataParallel = parallel
        try parallel.prepare(trainer, config: RunConfig(), smallestBatch: 4)
        var rng = RandomGenerator(seed: 2)
        try trainer.trainStep(try Tensor.normal([4, 4], using: &rng), try Tensor.normal([4, 2], using: &rng))
        #expect(parallel.telemetry.parametersWithoutGradient == ["unused"])
        #expect(model.unused.value.floats() == [1, 1, 1])
        #expect(parallel.telemetry.steps.count == 1)
    }
}

struct GradientBucketTests {
    @Test func plansLastParameterFirstWithinCapacity() {
        // 4-byte floats: capacity 40 bytes = 10 floats.
        #expect(GradientBucket.plan(counts: [4, 4, 4, 4], capacityBytes: 40) == [[3, 2], [1, 0]])
        #expect(GradientBucket.plan(counts: [2, 30, 2], capacityBytes: 40) == [[2], [1], [0]])
        #expect(GradientBucket.plan(counts: [1, 1, 1], capacityBytes: 1 << 20) == [[2, 1, 0]])
    }

    @Test func deterministicSumAddsRanksInOrder() throws {
        let bucket = GradientBucket(index: 0, members: [0], counts: [2], ranks: 3, deterministic: true)
        // values: 2 gradients + 1 flag, per rank.
        let gathered: [Float] = [1, 2, 1, 10, 20, 1, 100, 200, 0]
        for (i, v) in gathered.enumerated() { bucket.gathered![i] = v }
        bucket.sumGathered(ranks: 3)
        #expect(Array(bucket.values) == [111, 222, 2])
    }
}

struct RankAgreementTests {
    @Test func namesTheFirstDifferingSetting() throws {
        var a = RunConfig(), b = RunConfig()
        a.train.lr = 0.01
        b.train.lr = 0.02
        let encoder = LoupeJSON.encoder()
        let message = RankAgreement.runFileMismatch([try encoder.encode(a), try encoder.encode(a), try encoder.encode(b)])
        #expect(message?.contains("rank 2's run file differs from rank 0's: train.lr is 0.02 on rank 2, 0.01 on rank 0") == true)
        #expect(RankAgreement.runFileMismatch([try encoder.encode(a), try encoder.encode(a)]) == nil)
        #expect(RankAgreement.runFileMismatch([try encoder.encode(a), Data("not json".utf8)])?.contains("rank 1's run file differs") == true)
    }

    @Test func namesTheFirstDifferingParameter() {
        let zero = RankAgreement.signature([("fc1.weight", [64, 32]), ("fc1.bias", [32]), ("fc2.weight", [32, 10])])
        let shape = RankAgreement.signature([("fc1.weight", [64, 32]), ("fc1.bias", [32]), ("fc2.weight", [32, 12])])
        let order = RankAgreement.signature([("fc1.bias", [32]), ("fc1.weight", [64, 32]), ("fc2.weight", [32, 10])])
        let short = RankAgreement.signature([("fc1.weight", [64, 32]), ("fc1.bias", [32])])
        #expect(RankAgreement.parameterMismatch([zero, zero]) == nil)
        #expect(RankAgreement.parameterMismatch([zero, shape])?.contains("parameter 2 (in registration order): rank 0 has fc2.weight [32, 10], rank 1 has fc2.weight [32, 12]") == true)
        #expect(RankAgreement.parameterMismatch([zero, zero, order])?.contains("rank 2 and rank 0 disagree on parameter 0") == true)
        #expect(RankAgreement.parameterMismatch([zero, short])?.contains("rank 1 has 2 parameters, rank 0 3: rank 1 lacks parameter 2") == true)
    }
}

struct TelemetryTests {
    static func telemetry(_ compute: [[Double]], wait: [[Double]]? = nil) -> DistributedTelemetry {
        let t = DistributedTelemetry(worldSize: compute[0].count, bucketCount: 1, deterministicReduce: false)
        for (i, row) in compute.enumerated() {
            let w = wait?[i] ?? row.map { _ in 0 }
            t.record(.init(step: i + 1, seconds: zip(row, w).map { $0 + $1 }, wait: w, communication: w))
        }
        return t
    }

    @Test func findsTheConsistentlySlowRank() throws {
        let steps = (0..<20).map { i in [0.010, 0.030 + Double(i % 3) * 0.001, 0.011] }
        let s = try #require(Self.telemetry(steps).straggler())
        #expect(s.rank == 1 && s.slowestShare == 1 && s.steps == 19)
        #expect(abs(s.medianCompute - 0.031) < 1e-9)
    }

    @Test func ranksAtOnePaceOrTooFewStepsAreNoStraggler() {
        let even: [[Double]] = (0..<20).map { i in
            let wobble = Double(i % 2) * 0.002
            return [0.010 + wobble, 0.011, 0.012 - wobble]
        }
        #expect(Self.telemetry(even).straggler() == nil)
        #expect(Self.telemetry(Array(repeating: [0.01, 0.05], count: 5)).straggler() == nil)
        // 30% slower but 0.3 ms: under the absolute floor.
        #expect(Self.telemetry(Array(repeating: [0.001, 0.0013], count: 20)).straggler() == nil)
    }

    @Test func sharesAreContiguousAndEven() {
        for rows in [1, 7, 37, 64] {
            for ranks in 1...min(rows, 5) {
                let shares = (0..<ranks).map { BatchShare.range(rank: $0, of: ranks, rows: rows) }
                #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == rows)
                #expect(zip(shares, shares.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(shares.map(\.count).max()! - shares.map(\.count).min()! <= 1)
            }
        }
    }

    @Test func faultVariablesAreReadOrRefused() throws {
        let faults = try FaultInjection.fromEnvironment(["LOUPE_FAULT_SLOW_RANK": "1:50", "LOUPE_FAULT_KILL_RANK": "2:7"])
        #expect(faults.slowRank?.rank == 1 && faults.slowRank?.milliseconds == 50 && faults.killRank?.step == 7 && faults.desyncRank == nil)
        #expect(throws: DistributedError.self) { try FaultInjection.fromEnvironment(["LOUPE_FAULT_SLOW_RANK": "fast"]) }
    }

    @Test func checksumsSeeOneBit() {
        let a = Parameter(Tensor([1, 2, 3], shape: [3])), b = Parameter(Tensor([1, 2, 3], shape: [3]))
        #expect(DistributedTraining.checksum([a]) == DistributedTraining.checksum([b]))
        b.value = Tensor([1, 2, Float(3).nextUp], shape: [3])
        #expect(DistributedTraining.checksum([a]) != DistributedTraining.checksum([b]))
    }
}

struct RingAllReduceModelTests {
    @Test func fitRecoversLatencyAndBandwidth() throws {
        let truth = RingAllReduceModel(latency: 3e-6, secondsPerByte: 1 / 2e9)
        let samples = [4096.0, 65536, 1_048_576, 16_777_216].map { (bytes: $0, seconds: truth.seconds(bytes: $0, ranks: 4)) }
        let fitted = RingAllReduceModel.fit(samples, ranks: 4)!
        #expect(abs(fitted.latency - truth.latency) / truth.latency < 1e-6)
        #expect(abs(fitted.secondsPerByte - truth.secondsPerByte) / truth.secondsPerByte < 1e-6)
        #expect(RingAllReduceModel.fit(samples, ranks: 1) == nil)
    }

    @Test func ringCostAndPrediction() {
        let net = RingAllReduceModel(gigabitsPerSecond: 8, latency: 1e-5)   // 1 GB/s
        // 2(p−1)α + 2(p−1)/p · n/B with p = 4, n = 1 GB: 6e-5 + 1.5 s.
        #expect(abs(net.seconds(bytes: 1e9, ranks: 4) - 1.50006) < 1e-9)
        #expect(net.seconds(bytes: 1e9, ranks: 1) == 0)
        let p = net.predictStep(nodes: 4, computeSeconds: 8, gradientBytes: 1e9, buckets: 1, overlap: 0.5)
        #expect(abs(p.stepSeconds - (2 + 0.75003)) < 1e-9)
        #expect(abs(p.efficiency - p.speedup / 4) < 1e-12)
    }
}
