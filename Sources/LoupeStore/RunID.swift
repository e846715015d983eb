import Foundation

/// Run ids: 16 hex digits, the first 11 the start time in milliseconds (so ids sort by start and
/// `ls` of per-run folders reads in order), the last 5 random (two runs started in the same
/// millisecond, on two machines, still differ).
public enum RunID {
    /// A new id for a run starting at `date`.
    public static func make(date: Date = Date()) -> String {
        let milliseconds = UInt64(max(date.timeIntervalSince1970, 0) * 1000) & 0xFFF_FFFF_FFFF
        let random = UInt64.random(in: 0..<(1 << 20))
        return String(format: "%011llx%05llx", milliseconds, random)
    }

    /// Whether `text` has an id's form (16 lowercase hex digits).
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 16 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
