import Foundation

/// The CPU package's energy counter where Linux exposes it (Intel RAPL through powercap,
/// `/sys/class/powercap/intel-rapl:N/energy_uj`), to state joules per prediction; nil where the
/// machine has no readable counter (most VMs and containers), so a report says "not measured"
/// rather than guess.
public struct EnergyMeter: Sendable {
    /// The package counters (one per socket) and their wrap-around ranges, µJ.
    let counters: [(path: String, range: Double)]

    /// The machine's counters, or nil when none is readable.
    public init?(root: String = "/sys/class/powercap") {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let packages = names.filter { $0.hasPrefix("intel-rapl:") && $0.split(separator: ":").count == 2 }.sorted()
        let counters: [(String, Double)] = packages.compactMap { name in
            let path = "\(root)/\(name)/energy_uj"
            guard Self.read(path) != nil else { return nil }
            return (path, Self.read("\(root)/\(name)/max_energy_range_uj") ?? .infinity)
        }
        guard !counters.isEmpty else { return nil }
        self.counters = counters
    }

    /// The counters now, µJ.
    public func sample() -> [Double] { counters.map { Self.read($0.path) ?? 0 } }

    /// Joules between two samples (a counter that wrapped around is unwrapped).
    public func joules(from start: [Double], to end: [Double]) -> Double {
        zip(zip(start, end), counters).reduce(0) { total, item in
            let ((a, b), counter) = item
            return total + (b >= a ? b - a : b + counter.range - a) / 1_000_000
        }
    }

    private static func read(_ path: String) -> Double? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
