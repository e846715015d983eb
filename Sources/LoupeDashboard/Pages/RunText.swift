import Foundation
import LoupeReport
import LoupeStore

/// How the pages write a run's dates, durations, ids and status, the same on every page.
enum RunText {
    /// `2026-12-01 14:05` in this machine's time zone. (From calendar components: a table of a
    /// thousand runs would otherwise make two thousand date formatters, a third of its time.)
    static func date(_ date: Date) -> String {
        let c = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// A table cell's date: `12-01 14:05` this year, `2025-11-30` before, the whole date on hover.
    static func shortDate(_ date: Date) -> String {
        let full = Self.date(date)
        let thisYear = full.hasPrefix(String(Calendar.current.component(.year, from: Date())))
        return "<span title=\"\(full)\">\(thisYear ? String(full.dropFirst(5)) : String(full.prefix(10)))</span>"
    }

    /// `42.1s`, `3m07s`, `2h05m`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "-" }
        return seconds < 60 ? String(format: "%.1fs", seconds) : seconds < 3600 ? String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
            : String(format: "%dh%02dm", Int(seconds) / 3600, Int(seconds) % 3600 / 60)
    }

    /// The status as a coloured label.
    static func status(_ status: RunStatus) -> String {
        "<span class=\"status \(status.rawValue)\">\(status.rawValue)</span>"
    }

    /// A link to run `id`'s page, showing its first 12 digits (enough to tell runs apart).
    static func link(_ id: String) -> String {
        "<a href=\"/runs/\(XMLText.escape(id))\">\(XMLText.escape(String(id.prefix(12))))</a>"
    }

    /// A hyperparameter's value as the tables print it (numbers in the reports' one format).
    static func param(_ value: ParamValue?) -> String {
        switch value {
        case nil: "-"
        case let .double(v)?: NumberText.readable(v)
        case let value?: value.description
        }
    }
}
