import Foundation

/// What this process has used: CPU time (getrusage) and memory as Linux reports it in
/// `/proc/self/status`.
public enum ProcessUsage {
    /// CPU-seconds this process has run, user plus system, all threads.
    public static var cpuSeconds: Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return .nan }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The resident set now (VmRSS), bytes; nil where /proc is not readable.
    public static var residentBytes: Int? { field("VmRSS:") }

    /// The highest resident set since the process started or since ``resetPeak()`` (VmHWM), bytes.
    /// Not getrusage's ru_maxrss: Linux carries that across fork and exec, so a child started by a
    /// process that already peaked would report the parent's peak.
    public static var peakResidentBytes: Int? { field("VmHWM:") }

    /// Starts a new peak from the current resident set (writes 5 to /proc/self/clear_refs), so
    /// ``peakResidentBytes`` measures one phase of the work. Returns false where that is refused.
    @discardableResult
    public static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    private static func field(_ name: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let kib = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kib * 1024
    }
}
