import Foundation
import LoupeCore
import LoupeNN
import LoupeReport
import LoupeTrain

/// Data-parallel training over a ``Communicator``: the ``DataParallel`` the trainer runs each
/// step with.
///
/// Every rank holds the whole model and trains on a contiguous share of each batch. Its
/// gradients, weighted by its share, are summed over the ranks in buckets (``GradientBucket``)
/// that start as the backward pass completes them (the engine's gradient-ready hooks), so the
/// communication of the last layers overlaps the computation of the first. After the reduction
/// every rank holds the same gradient and takes the same optimizer step: the ranks stay equal,
/// which a weight checksum every ``Options/checksumEvery`` steps verifies.
///
/// ```swift
/// // Under mpirun: DistributedTraining(communicator: try MPICommunicator.shared())
/// let parallel = DistributedTraining(communicator: SoloCommunicator())
/// let result = try TrainingRun(config: config, directory: folder).execute(progress: false, dataParallel: parallel)
/// print(parallel.telemetry.steps.count, result.metrics["test"]?["accuracy"] ?? 0)   // the steps trained, the test accuracy
/// ```
public final class DistributedTraining: DataParallel {
    public struct Options: Sendable {
        /// About how many bytes of gradients each all-reduce carries (DDP's `bucket_cap_mb`).
        public var bucketBytes = 1 << 20
        /// Start each bucket's reduction during the backward pass (off: all after it).
        public var overlap = true
        /// Reduce by gathering every rank's gradients and adding them in rank order, the same
        /// additions on every rank whatever MPI's algorithm: runs are bit-identical run to run.
        public var deterministicReduce = false
        /// Compare the ranks' weight checksums every this many steps (0: never).
        public var checksumEvery = 50
        public var faults = FaultInjection()
        public init() {}
    }

    public let communicator: Communicator
    public let options: Options
    public var rank: Int { communicator.rank }
    public var worldSize: Int { communicator.size }
    public var replicaReducer: ReplicaReducer { reducer }
    /// What the ranks measured and found; filled from ``prepare(_:config:smallestBatch:)`` on.
    public private(set) var telemetry: DistributedTelemetry

    private let reducer: SumReducer
    private var parameters: [(name: String, parameter: Parameter)] = []
    private var buckets: [GradientBucket] = []
    /// Parameter index → (bucket, slot in it).
    private var location: [(bucket: Int, slot: Int)] = []
    private var byIdentity: [ObjectIdentifier: Int] = [:]
    private var nextLaunch = 0
    private var hook: HookHandle?
    private var stepStarted: UInt64 = 0
    private var waitNanoseconds: UInt64 = 0
    private var receivedOnce: [Bool] = []
    private var reportedMissing = false
    private var checkedRunFile: Data?

    public init(communicator: Communicator, options: Options = Options()) {
        self.communicator = communicator
        self.options = options
        reducer = SumReducer(communicator: communicator, deterministic: options.deterministicReduce)
        telemetry = DistributedTelemetry(worldSize: communicator.size, bucketCount: 0, deterministicReduce: options.deterministicReduce)
    }

    public func allGather(_ bytes: Data) throws -> [Data] { try communicator.allGather(bytes) }
    public func broadcast(_ bytes: Data, from root: Int) throws -> Data { try communicator.broadcast(bytes, from: root) }

    // MARK: Before step 1

    /// Throws, on every rank, the first setting in which a rank's run configuration differs from
    /// rank 0's (collective; the commands call it before they write anything).
    public func checkSameRunFile(_ config: RunConfig) throws {
        let mine = try LoupeJSON.encoder().encode(config)
        if let mismatch = RankAgreement.runFileMismatch(try communicator.allGather(mine)) { throw DistributedError.mismatch(mismatch) }
        checkedRunFile = mine
    }

    public func prepare(_ trainer: Trainer, config: RunConfig, smallestBatch: Int) throws {
        // 1. The same run file on every rank (unless the command checked it already).
        if try checkedRunFile != LoupeJSON.encoder().encode(config) { try checkSameRunFile(config) }
        // 2. The same parameters, in the same order and shapes.
        let trainable = Set(trainer.optimizer.parameters.map(ObjectIdentifier.init))
        parameters = trainer.model.namedParameters().filter { trainable.contains(ObjectIdentifier($0.parameter)) }
        let signature = RankAgreement.signature(parameters.map { ($0.name, $0.parameter.shape) })
        let signatures = try communicator.allGather(Data(signature.utf8)).map { String(decoding: $0, as: UTF8.self) }
        if let mismatch = RankAgreement.parameterMismatch(signatures) { throw DistributedError.mismatch(mismatch) }
        // 3. A share of every batch for every rank.
        guard smallestBatch >= worldSize else {
            throw DistributedError.mismatch("the smallest batch has \(smallestBatch) rows, fewer than the \(worldSize) ranks: every rank "
                                            + "needs at least one row of every batch; use a larger train.batch_size, or fewer ranks")
        }
        let plan = GradientBucket.plan(counts: parameters.map { $0.parameter.value.count }, capacityBytes: max(options.bucketBytes, 4))
        buckets = plan.enumerated().map { i, members in
            GradientBucket(index: i, members: members, counts: members.map { parameters[$0].parameter.value.count },
                           ranks: worldSize, deterministic: options.deterministicReduce)
        }
        location = Array(repeating: (0, 0), count: parameters.count)
        for bucket in buckets { for (slot, p) in bucket.members.enumerated() { location[p] = (bucket.index, slot) } }
        receivedOnce = Array(repeating: false, count: parameters.count)
        telemetry = DistributedTelemetry(worldSize: worldSize, bucketCount: buckets.count, deterministicReduce: options.deterministicReduce)
        stepStarted = SpanRecorder.now()
    }

    // MARK: Each step

    public func beginBackward(_ trainer: Trainer) throws {
        if let slow = options.faults.slowRank, slow.rank == rank { usleep(UInt32(slow.milliseconds * 1000)) }
        for bucket in buckets { bucket.reset() }
        nextLaunch = 0
        byIdentity = [:]
        for (i, p) in parameters.enumerated() { byIdentity[ObjectIdentifier(p.parameter.value)] = i }
        if options.overlap && hook == nil {
            hook = Hooks.addGradientReadyHook { [unowned self] leaf in try self.gradientReady(leaf) }
        }
    }

    /// A parameter's gradient is final: into its bucket, and the bucket out if it is full.
    private func gradientReady(_ leaf: Tensor) throws {
        guard let i = byIdentity[ObjectIdentifier(leaf)] else { return }
        let (b, slot) = location[i]
        try buckets[b].fill(slot: slot, gradient: leaf.grad)
        try launchFullBuckets()
        try progress()
    }

    /// Starts the reductions of full buckets, in bucket order (every rank must start the same
    /// collectives in the same order).
    private func launchFullBuckets() throws {
        while nextLaunch < buckets.count, buckets[nextLaunch].isFull {
            let bucket = buckets[nextLaunch]
            bucket.launchedAt = SpanRecorder.now()
            if let gathered = bucket.gathered {
                bucket.operation = try communicator.startGather(UnsafeBufferPointer(bucket.values), into: gathered)
            } else {
                bucket.operation = try communicator.startSum(bucket.values)
            }
            nextLaunch += 1
        }
    }

    /// Lets MPI move the reductions in flight along (nonblocking collectives progress only when
    /// the library is called) and notes which have finished.
    private func progress() throws {
        for bucket in buckets[..<nextLaunch] where bucket.completedAt == nil {
            guard let operation = bucket.operation, try communicator.test(operation) else { continue }
            bucket.completedAt = SpanRecorder.now()
        }
    }

    public func finishBackward(_ trainer: Trainer) throws {
        hook?.remove()
        hook = nil
        let waitStart = SpanRecorder.now()
        // Whatever the hooks did not hand in: parameters with no gradient on this rank (zeros,
        // flag 0) and, without overlap, everything.
        for bucket in buckets where !bucket.isFull {
            for (slot, p) in bucket.members.enumerated() where !bucket.filled[slot] {
                try bucket.fill(slot: slot, gradient: parameters[p].parameter.value.grad)
            }
        }
        try launchFullBuckets()
        for bucket in buckets where bucket.completedAt == nil {
            if let operation = bucket.operation { try communicator.wait(operation) }
            bucket.completedAt = SpanRecorder.now()
        }
        let waited = SpanRecorder.now()
        waitNanoseconds &+= waited &- waitStart
        var missing: [String] = []
        for bucket in buckets {
            bucket.sumGathered(ranks: worldSize)
            for (slot, p) in bucket.members.enumerated() {
                let parameter = parameters[p].parameter
                guard bucket.values[bucket.flagOffset + slot] > 0 else {
                    parameter.value.grad = nil
                    if !receivedOnce[p] { missing.append(parameters[p].name) }
                    continue
                }
                receivedOnce[p] = true
                let start = bucket.offsets[slot], count = bucket.counts[slot]
                parameter.value.grad = Tensor(shape: parameter.shape) { target in
                    target.baseAddress?.update(from: bucket.values.baseAddress! + start, count: count)
                }
            }
        }
        telemetry.parametersWithoutGradient = parameters.indices.filter { !receivedOnce[$0] }.map { parameters[$0].name }
        if !missing.isEmpty && !reportedMissing && rank == 0 {
            reportedMissing = true
            Self.warn("\(missing.count) parameter\(missing.count == 1 ? "" : "s") got no gradient on any rank in step \(trainer.step + 1): "
                             + missing.prefix(8).joined(separator: ", ") + (missing.count > 8 ? ", …" : "")
                             + " (they are not in the loss's graph; the debugger names them if it stays so)")
        }
        if let recorder = Profiler.current {
            for bucket in buckets {
                var span = Span(name: "all-reduce bucket \(bucket.index)", category: "communication", start: bucket.launchedAt,
                                end: bucket.completedAt ?? waited)
                span.args = ["bytes": Double(bucket.values.count * 4)]
                recorder.append(span)
            }
            recorder.append(Span(name: "wait for gradients", category: "communication", start: waitStart, end: waited))
        }
    }

    public func finishStep(_ trainer: Trainer, weightedLoss: Double) throws -> Double {
        let now = SpanRecorder.now()
        let seconds = Double(now &- stepStarted) / 1e9
        // Blocked in the ops' own reductions (synchronised BatchNorm) counts as waiting too.
        waitNanoseconds &+= reducer.blockedNanoseconds
        reducer.blockedNanoseconds = 0
        let communication = buckets.reduce(0.0) { $0 + Double(($1.completedAt ?? $1.launchedAt) &- $1.launchedAt) / 1e9 }
        let checksumStep = options.checksumEvery > 0 && trainer.step % options.checksumEvery == 0
        var payload = StepPayload(loss: weightedLoss, seconds: seconds, wait: Double(waitNanoseconds) / 1e9, communication: communication,
                                  checksum: checksumStep ? Self.checksum(parameters.map(\.parameter)) : 0)
        let all = try communicator.allGather(withUnsafeBytes(of: &payload) { Data($0) }).map { bytes -> StepPayload in
            var p = StepPayload()
            _ = withUnsafeMutableBytes(of: &p) { target in bytes.copyBytes(to: target) }
            return p
        }
        // The loss: the ranks' weighted shares added in rank order, the same on every rank.
        let loss = all.reduce(0.0) { $0 + $1.loss }
        telemetry.record(.init(step: trainer.step, seconds: all.map(\.seconds), wait: all.map(\.wait), communication: all.map(\.communication)))
        if checksumStep { try compareChecksums(all.map(\.checksum), step: trainer.step) }
        try injectFaults(step: trainer.step)
        stepStarted = SpanRecorder.now()
        waitNanoseconds = 0
        return loss
    }

    /// A warning line on standard error (rank 0's, said once per event).
    static func warn(_ text: String) {
        let style = TerminalStyle.standardError
        FileHandle.standardError.write(Data((style.colored("warning:", .yellow, bold: true) + " " + text + "\n").utf8))
    }

    /// The fixed-size record every rank sends at the end of a step.
    private struct StepPayload {
        var loss = 0.0, seconds = 0.0, wait = 0.0, communication = 0.0
        var checksum: UInt64 = 0
    }

    /// FNV-1a over the parameters' bits: equal weights, equal checksum.
    static func checksum(_ parameters: [Parameter]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in parameters { hash = checksum(p.value, into: hash) }
        return hash
    }

    static func checksum(_ tensor: Tensor, into start: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = start
        let floats = tensor.floats()
        for f in floats { hash = (hash ^ UInt64(f.bitPattern)) &* 0x100_0000_01b3 }
        return hash
    }

    private func compareChecksums(_ checksums: [UInt64], step: Int) throws {
        telemetry.checksummedSteps.append(step)
        let differing = checksums.indices.filter { checksums[$0] != checksums[0] }
        guard !differing.isEmpty else { return }
        // Which parameter: every rank's per-parameter checksums (all ranks know to ask).
        let mine = parameters.map { String(Self.checksum($0.parameter.value)) }.joined(separator: ",")
        let everyone = try communicator.allGather(Data(mine.utf8)).map { String(decoding: $0, as: UTF8.self).split(separator: ",") }
        let first = parameters.indices.first { i in everyone.contains { i < $0.count && $0[i] != everyone[0][i] } }
        let desync = DistributedTelemetry.Desync(step: step, ranks: differing, parameter: first.map { parameters[$0].name })
        telemetry.desyncs.append(desync)
        if rank == 0 && telemetry.desyncs.count == 1 {
            Self.warn("rank_desync at step \(step): the weights of rank\(differing.count == 1 ? "" : "s") "
                             + differing.map(String.init).joined(separator: ", ") + " differ from rank 0's"
                             + (desync.parameter.map { " (first in \($0))" } ?? "") + "; later checks are in the debugger's report")
        }
    }

    private func injectFaults(step: Int) throws {
        if let kill = options.faults.killRank, kill.rank == rank, kill.step == step {
            FileHandle.standardError.write(Data("loupe: rank \(rank) killing itself after step \(step) (LOUPE_FAULT_KILL_RANK)\n".utf8))
            Foundation.kill(getpid(), SIGKILL)
        }
        if let desync = options.faults.desyncRank, desync.rank == rank, desync.step == step, let first = parameters.first {
            try GradMode.withoutGrad {
                let value = first.parameter.value
                first.parameter.value = try (value + 1e-3).detach()
            }
        }
    }
}

/// Sums across ranks for the ops that need the whole batch (synchronised BatchNorm): MPI's
/// all-reduce, or with deterministic reduction every rank's values added in rank order.
final class SumReducer: ReplicaReducer {
    let communicator: Communicator
    let deterministic: Bool
    /// Time spent in these reductions since the step began (the slowest rank's lead shows here).
    var blockedNanoseconds: UInt64 = 0
    init(communicator: Communicator, deterministic: Bool) { (self.communicator, self.deterministic) = (communicator, deterministic) }

    func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Double>) throws {
        let start = SpanRecorder.now()
        defer { blockedNanoseconds &+= SpanRecorder.now() &- start }
        guard deterministic else { return try communicator.sum(values) }
        let everyone = try communicator.allGather(Data(buffer: values))
        for i in values.indices { values[i] = 0 }
        for bytes in everyone {
            guard bytes.count == values.count * 8 else {
                throw DistributedError.mismatch("ranks summed different numbers of values (\(bytes.count / 8) and \(values.count)) in a synchronised op")
            }
            bytes.withUnsafeBytes { raw in
                for i in values.indices { values[i] += raw.loadUnaligned(fromByteOffset: i * 8, as: Double.self) }
            }
        }
    }
}
