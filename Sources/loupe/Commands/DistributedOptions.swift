import ArgumentParser
import Foundation
import LoupeCore
import LoupeDistributed
import LoupeReport
import LoupeTrain

/// The data-parallel options of `loupe train`, `loupe debug` and `loupe profile`: under mpirun
/// (or with --distributed) each rank trains on its share of every batch (docs/DISTRIBUTED.md).
struct DistributedOptions: ParsableArguments {
    @Flag(help: "Train data-parallel over MPI; without it, a process started by mpirun does so anyway. Fails if this build or process has no MPI.")
    var distributed = false
    @Option(help: ArgumentHelp("Megabytes of gradients per all-reduce: smaller buckets start sooner during the backward pass, larger ones pay the latency fewer times.", valueName: "MB"))
    var bucketMb = 1.0
    @Flag(help: "Reduce gradients in a fixed order (every rank's gathered, added in rank order): bit-identical runs, at the cost of moving N× the bytes.")
    var deterministicReduce = false
    @Flag(inversion: .prefixedNo, help: "Start each bucket's all-reduce during the backward pass (off: all after it).")
    var overlap = true
    @Option(help: "Compare the ranks' weight checksums every this many steps (0: never); a difference is a rank_desync.")
    var checksumEvery = 50

    func validate() throws {
        guard bucketMb > 0, bucketMb <= 4096 else { throw ValidationError("--bucket-mb must be in (0, 4096]") }
        guard checksumEvery >= 0 else { throw ValidationError("--checksum-every must be 0 or more") }
    }

    /// The data-parallel context when this process is a rank of an MPI job (or must be); nil for
    /// an ordinary single-process run.
    func dataParallel() throws -> DistributedTraining? {
        guard distributed || MPICommunicator.isLaunchedByMPI else { return nil }
        var options = DistributedTraining.Options()
        options.bucketBytes = Int(bucketMb * 1_048_576)
        options.deterministicReduce = deterministicReduce
        options.overlap = overlap
        options.checksumEvery = checksumEvery
        do { options.faults = try FaultInjection.fromEnvironment() } catch { throw CommandFailure("\(error)") }
        let communicator: MPICommunicator
        do { communicator = try MPICommunicator.shared() } catch { throw CommandFailure("\(error)") }
        return DistributedTraining(communicator: communicator, options: options)
    }
}

extension DistributedTraining {
    /// Runs a rank's part of a command. An error ends this rank at once, without MPI_Finalize
    /// (which would wait for the others): mpirun then ends the job, and the other ranks say on
    /// SIGTERM how to resume. Rank 0 says the error as any command would; the others say it with
    /// their rank, except a disagreement between ranks, which every rank finds and rank 0 says.
    func run<R>(command: String, runFile: String, _ body: () throws -> R) throws -> R {
        guard worldSize > 1 else { return try body() }
        let resume = "mpirun -np \(worldSize) loupe \(command) \(runFile) --resume"
        MPICommunicator.sayOnTermination("loupe: rank \(rank) of \(worldSize) stopped: mpirun ended the job because another rank stopped "
                                         + "(its error is above). The run's last checkpoint is intact; continue with: \(resume)\n")
        do {
            return try body()
        } catch {
            var text = error is CommandFailure || error is DistributedError ? "\(error)" : ErrorMessage.plain(error)
            if let e = error as? ValidationError { text = e.message }
            let sameOnEveryRank: Bool
            if case DistributedError.mismatch = error { sameOnEveryRank = true } else { sameOnEveryRank = false }
            if rank == 0 {
                FileHandle.standardError.write(Data((TerminalStyle.standardError.colored("Error:", .red, bold: true) + " \(text)\n").utf8))
            } else if !sameOnEveryRank {
                FileHandle.standardError.write(Data("loupe: rank \(rank) of \(worldSize): \(text)\n".utf8))
            }
            fflush(stdout)
            _exit(1)
        }
    }
}
