import CLoupeMPI
import Foundation

/// The ranks of an Open MPI job (`mpirun -np N loupe …`), through MPI_COMM_WORLD.
///
/// One per process: ``shared()`` initializes MPI the first time and finalizes it when the process
/// exits. Errors come back as ``DistributedError/communication(operation:reason:)`` naming the
/// operation, rather than MPI's default of aborting the job without a word.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int

    private init(rank: Int, size: Int) { (self.rank, self.size) = (rank, size) }

    nonisolated(unsafe) private static var instance: MPICommunicator?

    /// Whether this build of Loupe has MPI (Open MPI's headers were found when it was built).
    public static var isCompiled: Bool { loupe_mpi_compiled() == 1 }

    /// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMIx):
    /// the environment variables they set for every rank.
    public static var isLaunchedByMPI: Bool {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"].contains { environment[$0] != nil }
    }

    /// The job's communicator, MPI initialized on first use.
    public static func shared() throws -> MPICommunicator {
        if let instance { return instance }
        guard isCompiled else {
            throw DistributedError.unavailable(reason: "this build of Loupe has no MPI: install Open MPI (Debian: apt-get install "
                                               + "libopenmpi-dev openmpi-bin, which `make demo` and `make test` do) and rebuild")
        }
        var rank: Int32 = 0, size: Int32 = 1
        let code = loupe_mpi_init(&rank, &size)
        guard code == 0 else { throw DistributedError.unavailable(reason: "MPI did not start: \(Self.message(code))") }
        atexit { _ = loupe_mpi_finalize() }
        let communicator = MPICommunicator(rank: Int(rank), size: Int(size))
        instance = communicator
        return communicator
    }

    /// Prints `message` on standard error if this process is told to stop (SIGTERM: what mpirun
    /// sends the other ranks when one dies), then exits with status 143.
    public static func sayOnTermination(_ message: String) {
        loupe_set_termination_message(message)
        loupe_install_termination_handler()
    }

    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        loupe_mpi_error_string(code, &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        guard code == 0 else { throw DistributedError.communication(operation: operation(), reason: Self.message(code)) }
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try check(loupe_mpi_allreduce_f64(values.baseAddress, values.count), "an all-reduce of \(values.count) numbers")
    }

    public func startSum(_ values: UnsafeMutableBufferPointer<Float>) throws -> PendingOperation {
        var request = 0
        try check(loupe_mpi_iallreduce_f32(values.baseAddress, values.count, &request), "starting an all-reduce of \(values.count) floats")
        return PendingOperation(id: request, label: "all-reduce of \(values.count) floats")
    }

    public func startGather(_ values: UnsafeBufferPointer<Float>, into gathered: UnsafeMutableBufferPointer<Float>) throws -> PendingOperation {
        var request = 0
        try check(loupe_mpi_iallgather_f32(values.baseAddress, gathered.baseAddress, values.count, &request),
                  "starting an all-gather of \(values.count) floats")
        return PendingOperation(id: request, label: "all-gather of \(values.count) floats")
    }

    public func test(_ operation: PendingOperation) throws -> Bool {
        var done: Int32 = 0
        try check(loupe_mpi_test(operation.id, &done), operation.label)
        return done != 0
    }

    public func wait(_ operation: PendingOperation) throws {
        try check(loupe_mpi_wait(operation.id), operation.label)
    }

    public func allGather(_ bytes: Data) throws -> [Data] {
        // The lengths first, then the bytes at their offsets.
        var length = Int64(bytes.count)
        var lengths = [Int64](repeating: 0, count: size)
        try check(withUnsafeBytes(of: &length) { own in
            lengths.withUnsafeMutableBytes { loupe_mpi_allgather_bytes(own.baseAddress, $0.baseAddress, 8) }
        }, "an all-gather of lengths")
        guard lengths.allSatisfy({ (0...Int64(Int32.max)).contains($0) }), lengths.reduce(0, +) <= Int64(Int32.max) else {
            throw DistributedError.communication(operation: "an all-gather", reason: "the ranks' messages are larger than MPI's 2 GiB limit")
        }
        var offsets = [Int32](), total: Int32 = 0
        for l in lengths { offsets.append(total); total += Int32(l) }
        var gathered = Data(count: Int(total))
        let counts = lengths.map { Int32($0) }
        try check(bytes.withUnsafeBytes { own in
            gathered.withUnsafeMutableBytes { loupe_mpi_allgatherv_bytes(own.baseAddress, own.count, $0.baseAddress, counts, offsets) }
        }, "an all-gather of \(bytes.count) bytes")
        return (0..<size).map { gathered.subdata(in: Int(offsets[$0])..<Int(offsets[$0] + counts[$0])) }
    }

    public func broadcast(_ bytes: Data, from root: Int) throws -> Data {
        var length = Int64(bytes.count)
        try check(withUnsafeMutableBytes(of: &length) { loupe_mpi_bcast_bytes($0.baseAddress, 8, Int32(root)) }, "a broadcast of a length")
        guard (0...Int64(Int32.max)).contains(length) else {
            throw DistributedError.communication(operation: "a broadcast", reason: "rank \(root)'s message is larger than MPI's 2 GiB limit")
        }
        var buffer = rank == root ? bytes : Data(count: Int(length))
        try check(buffer.withUnsafeMutableBytes { loupe_mpi_bcast_bytes($0.baseAddress, Int($0.count), Int32(root)) },
                  "a broadcast of \(length) bytes from rank \(root)")
        return buffer
    }

    public func abort(code: Int32) -> Never {
        loupe_mpi_abort(code)
        exit(code)
    }
}
