import Foundation

/// Faults a test (or a curious user) can inject into a data-parallel job, to see what the ranks
/// and the debugger make of them; read from the environment, which mpirun passes to every rank:
///
/// - `LOUPE_FAULT_SLOW_RANK=r:ms` — rank r spends `ms` milliseconds more on every step (a straggler);
/// - `LOUPE_FAULT_KILL_RANK=r:step` — rank r kills itself (SIGKILL) after that optimizer step;
/// - `LOUPE_FAULT_DESYNC_RANK=r:step` — rank r nudges one weight after that step (a desync).
public struct FaultInjection: Sendable {
    public var slowRank: (rank: Int, milliseconds: Double)?
    public var killRank: (rank: Int, step: Int)?
    public var desyncRank: (rank: Int, step: Int)?

    public init() {}


    /// The faults the environment asks for.
    /// - Throws: ``DistributedError/unavailable(reason:)`` naming a variable that is not `rank:number`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FaultInjection {
        func pair(_ name: String) throws -> (Int, Double)? {
            guard let text = environment[name] else { return nil }
            let parts = text.split(separator: ":")
            guard parts.count == 2, let rank = Int(parts[0]), rank >= 0, let value = Double(parts[1]), value >= 0, value.isFinite else {
                throw DistributedError.unavailable(reason: "\(name)=\(text): expected RANK:NUMBER, e.g. 1:50")
            }
            return (rank, value)
        }
        var faults = FaultInjection()
        if let (r, ms) = try pair("LOUPE_FAULT_SLOW_RANK") { faults.slowRank = (r, ms) }
        if let (r, s) = try pair("LOUPE_FAULT_KILL_RANK") { faults.killRank = (r, Int(s)) }
        if let (r, s) = try pair("LOUPE_FAULT_DESYNC_RANK") { faults.desyncRank = (r, Int(s)) }
        return faults
    }
}
