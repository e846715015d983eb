import Foundation

/// The collective operations data-parallel training is made of, over the ranks of one job.
///
/// ``MPICommunicator`` is the real one (Open MPI); ``SoloCommunicator`` is a job of one rank, for
/// running the distributed code path in one process. Every operation is collective: every rank
/// calls it, in the same order, with the same counts.
public protocol Communicator: AnyObject {
    /// This process's index, 0..<size.
    var rank: Int { get }
    /// The number of ranks.
    var size: Int { get }
    /// Replaces `values` with their element-wise sum over every rank.
    func sum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Starts replacing `values` with their element-wise sum over every rank; `values` must stay
    /// allocated and untouched until ``wait(_:)`` (or a ``test(_:)`` that returns true).
    func startSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> PendingOperation
    /// Starts gathering every rank's `values` into `gathered` (size × count floats, rank order).
    func startGather(_ values: UnsafeBufferPointer<Float>, into gathered: UnsafeMutableBufferPointer<Float>) throws -> PendingOperation
    /// Whether a started operation has finished; it progresses the operation either way.
    func test(_ operation: PendingOperation) throws -> Bool
    /// Waits for a started operation to finish.
    func wait(_ operation: PendingOperation) throws
    /// Every rank's bytes, in rank order (the lengths may differ).
    func allGather(_ bytes: Data) throws -> [Data]
    /// Rank `root`'s bytes on every rank.
    func broadcast(_ bytes: Data, from root: Int) throws -> Data
    /// Ends every rank of the job now, with `code`.
    func abort(code: Int32) -> Never
}

/// A collective operation in flight.
public struct PendingOperation: Sendable, Equatable {
    public let id: Int
    /// What it is, for error messages ("all-reduce of bucket 2").
    public let label: String
    public init(id: Int, label: String) { (self.id, self.label) = (id, label) }
}

/// A collective operation that failed, or a job that cannot run as asked.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    /// MPI returned an error from `operation`.
    case communication(operation: String, reason: String)
    /// Asked to run distributed where MPI is missing or did not start.
    case unavailable(reason: String)
    /// The ranks disagree on what they train (run file, parameters); said before step 1.
    case mismatch(String)

    public var description: String {
        switch self {
        case let .communication(operation, reason):
            return "\(operation) failed: \(reason). Another rank may have stopped (see its error above); "
                + "the last checkpoint is intact: resume with the same mpirun command and --resume"
        case let .unavailable(reason): return reason
        case let .mismatch(text): return text
        }
    }
}

/// A job of one rank: every collective is the identity. Runs the data-parallel code path (buckets,
/// hooks, checks) in one process, which must then equal plain training.
public final class SoloCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    private var nextID = 0

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    public func startSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> PendingOperation {
        nextID += 1
        return PendingOperation(id: nextID, label: "all-reduce")
    }
    public func startGather(_ values: UnsafeBufferPointer<Float>, into gathered: UnsafeMutableBufferPointer<Float>) throws -> PendingOperation {
        if let base = values.baseAddress { gathered.baseAddress?.update(from: base, count: values.count) }
        nextID += 1
        return PendingOperation(id: nextID, label: "all-gather")
    }
    public func test(_ operation: PendingOperation) throws -> Bool { true }
    public func wait(_ operation: PendingOperation) throws {}
    public func allGather(_ bytes: Data) throws -> [Data] { [bytes] }
    public func broadcast(_ bytes: Data, from root: Int) throws -> Data { bytes }
    public func abort(code: Int32) -> Never { exit(code) }
}
