import Foundation

/// Loupe's one size policy. Counts and dimensions that come from outside — a run file, a model
/// file's metadata, a flag, a request — are multiplied with overflow checks, and what they would
/// allocate is compared with the machine's memory *before* anything is allocated. An absurd size
/// is then an error naming where it came from and the figure, never an arithmetic trap or a
/// terabyte `malloc` that aborts the process.
///
/// ```swift
/// let elements = SizePolicy.product([1_000_000, 1_000_000])         // 1e12, or nil on overflow
/// let bytes = elements.flatMap { SizePolicy.product([$0, 4]) }      // 4 TB
/// try SizePolicy.check(bytes: bytes, for: "model.layers[0].units")
/// // throws SizeError: model.layers[0].units would need 4.0 TB of memory; this machine has 24 GiB
/// ```
public enum SizePolicy {
    /// The machine's physical memory, in bytes.
    public static var availableBytes: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }

    /// The product of `factors`, or nil when a factor is negative or the product overflows `Int`.
    public static func product(_ factors: [Int]) -> Int? {
        var result = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (next, overflow) = result.multipliedReportingOverflow(by: factor)
            guard !overflow else { return nil }
            result = next
        }
        return result
    }

    /// The sum of `terms`, or nil when a term is nil or negative, or the sum overflows `Int`.
    public static func sum(_ terms: [Int?]) -> Int? {
        var result = 0
        for term in terms {
            guard let term, term >= 0 else { return nil }
            let (next, overflow) = result.addingReportingOverflow(term)
            guard !overflow else { return nil }
            result = next
        }
        return result
    }

    /// Throws unless `bytes` (nil: more than `Int` can count) fits in this machine's memory.
    public static func check(bytes: Int?, for source: String, limit: Int = availableBytes) throws(SizeError) {
        guard let bytes, bytes <= limit else { throw SizeError(source: source, bytes: bytes, limit: limit) }
    }

    /// `bytes` as people read it: "512 B", "3.2 MB", "4 TB" (powers of 1000), or "GiB" for the
    /// machine's memory (which is counted in powers of 1024).
    public static func readable(bytes: Int, binary: Bool = false) -> String {
        let base = binary ? 1024.0 : 1000.0
        let units = binary ? ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] : ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= base && unit < units.count - 1 {
            value /= base
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}

/// A size that would not fit: what asked for it, how much, and what the machine has.
public struct SizeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Where the size came from: a key (`model.layers[0].units`), a model file's field, a flag.
    public let source: String
    /// The bytes it would need; nil when that is more than `Int` can count.
    public let bytes: Int?
    /// The memory it was compared with.
    public let limit: Int

    public init(source: String, bytes: Int?, limit: Int) {
        (self.source, self.bytes, self.limit) = (source, bytes, limit)
    }

    public var description: String {
        let needed = bytes.map { SizePolicy.readable(bytes: $0) } ?? "more than 9.2 EB"
        // A limit below the machine's memory is a caller's cap (a fuzz harness, a server's budget).
        let available = limit == SizePolicy.availableBytes ? "this machine has" : "the limit is"
        return "\(source) would need \(needed) of memory; \(available) \(SizePolicy.readable(bytes: limit, binary: true))"
    }
}
