import Foundation
import LoupeCore
import LoupeNN

/// What the trainer needs from data-parallel training: N processes (ranks), each with the same
/// model, each training on its own contiguous share of every batch, their gradients summed after
/// each backward pass. LoupeDistributed provides it on MPI (`DistributedTraining`); with none set,
/// the trainer trains on the whole batch as always.
///
/// Every method here is collective: every rank calls it, in the same order, or the job waits.
public protocol DataParallel: AnyObject {
    /// This process's index, 0..<worldSize; rank 0 writes the run's files.
    var rank: Int { get }
    /// How many ranks train together.
    var worldSize: Int { get }
    /// What ops that need the whole batch (synchronised BatchNorm) sum across ranks with.
    var replicaReducer: ReplicaReducer { get }
    /// Checks, before the first step, that the ranks can train together: the same run file, the
    /// same parameters in the same order and shapes, batches that give every rank a share
    /// (`smallestBatch` rows at least). Throws, on every rank, an error naming the first mismatch.
    func prepare(_ trainer: Trainer, config: RunConfig, smallestBatch: Int) throws
    /// Arms the reduction of a step's gradients: called just before its backward pass, it may start
    /// reducing gradients as the backward pass completes them.
    func beginBackward(_ trainer: Trainer) throws
    /// Completes the reduction: afterwards every parameter's `grad` is the whole batch's gradient,
    /// the same on every rank (nil only where no rank had one).
    func finishBackward(_ trainer: Trainer) throws
    /// Ends a step: the batch's loss (the sum of the ranks' weighted losses) and the exchange of
    /// the step's timings (what the debugger's straggler check reads).
    func finishStep(_ trainer: Trainer, weightedLoss: Double) throws -> Double
    /// Every rank's `bytes`, in rank order.
    func allGather(_ bytes: Data) throws -> [Data]
    /// Rank `root`'s `bytes`, on every rank.
    func broadcast(_ bytes: Data, from root: Int) throws -> Data
}

/// How a global batch is divided among ranks: contiguous shares whose sizes differ by at most
/// one row, the larger ones last (rank r takes rows ⌊r·n/N⌋ ..< ⌊(r+1)·n/N⌋).
public enum BatchShare {
    /// Rows of an `rows`-row batch rank `rank` of `ranks` trains on.
    public static func range(rank: Int, of ranks: Int, rows: Int) -> Range<Int> {
        (rank * rows / ranks)..<((rank + 1) * rows / ranks)
    }
}

/// A data-parallel step that cannot go on; the message says what to change.
public struct DataParallelError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension DataParallel {
    /// Every rank's `text`, in rank order.
    public func allGather(text: String) throws -> [String] {
        try allGather(Data(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Per-rank random streams: rank 0 keeps the run's own (so one rank is one process), rank r > 0
/// derives its dropout masks from them and r, so no two ranks drop the same units and a run on N
/// ranks is reproducible. The data order is the run's on every rank: the ranks' shares of a batch
/// are disjoint because they cut the same batch.
public enum DataParallelSeeds {
    public static func reseedDropout(_ model: Module, rank: Int) {
        guard rank > 0 else { return }
        for (_, m) in model.namedModules() {
            guard let dropout = m as? Dropout else { continue }
            let s = dropout.generator.state
            dropout.generator = RandomGenerator(seed: s.0 ^ (UInt64(rank) &* 0x9E37_79B9_7F4A_7C15))
        }
    }
}
