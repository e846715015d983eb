import Foundation

/// One progress line redrawn in place on a terminal: label, bar, count, percentage, rate and
/// time left. It draws only when the stream is a terminal; in a pipe or a log it writes nothing,
/// and the caller prints whatever milestones it wants instead.
///
/// ```swift
/// let progress = TerminalProgress(label: "epoch 1/10")
/// for batch in 1...batches {
///     train(batch)
///     progress.update(batch, of: batches, detail: "loss 0.4123")
/// }
/// progress.finish()
/// ```
/// draws, for example, `epoch 1/10 ██████████·············· 40/96 41% 18.3 it/s ETA 3s loss 0.4123`.
public struct TerminalProgress {
    /// What is progressing ("training", "epoch 3/10").
    public var label: String
    /// Characters in the bar.
    public var barWidth: Int
    private let started: Date
    private let isTerminal: Bool
    private let write: (String) -> Void

    /// Starts the clock now.
    ///
    /// - Parameters:
    ///   - isTerminal: whether to draw; by default, whether standard output is a terminal.
    ///   - write: where the line goes; by default standard output, unbuffered.
    public init(label: String, barWidth: Int = 24, isTerminal: Bool = TerminalStyle.isTerminal(STDOUT_FILENO),
                write: @escaping (String) -> Void = { FileHandle.standardOutput.write(Data($0.utf8)) }) {
        (self.label, self.barWidth, self.isTerminal, self.write) = (label, barWidth, isTerminal, write)
        started = Date()
    }

    /// Redraws the line for `done` of `total` items, `detail` after it ("loss 0.4123").
    public func update(_ done: Int, of total: Int, detail: String = "", now: Date = Date()) {
        guard isTerminal else { return }
        write(Self.eraseLine + Self.line(label: label, done: done, total: total, elapsed: now.timeIntervalSince(started),
                                         detail: detail, barWidth: barWidth))
    }

    /// Erases the line, leaving the cursor at its start for what is printed next.
    public func finish() {
        guard isTerminal else { return }
        write(Self.eraseLine)
    }

    /// Carriage return, then erase the whole line: a shorter line leaves no tail of the longer one.
    static let eraseLine = "\r\u{1B}[2K"

    /// The text of the line for `done` of `total` after `elapsed` seconds. The rate and the time
    /// left show as "–" until there is something to measure.
    public static func line(label: String, done: Int, total: Int, elapsed: TimeInterval, detail: String = "",
                            barWidth: Int = 24) -> String {
        let fraction = total > 0 ? Double(Swift.min(Swift.max(done, 0), total)) / Double(total) : 0
        let width = Swift.max(barWidth, 1), filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let measured = done > 0 && elapsed > 0 && elapsed.isFinite
        let rate = measured ? Double(done) / elapsed : .nan
        let rateText = rate.isFinite ? String(format: rate < 10 ? "%.2f it/s" : "%.1f it/s", rate) : "– it/s"
        let left = rate.isFinite ? Double(Swift.max(total - done, 0)) / rate : .nan
        var line = "\(label) \(bar) \(done)/\(total) \(Int((fraction * 100).rounded(.down)))% \(rateText) ETA \(duration(left))"
        if !detail.isEmpty { line += " \(detail)" }
        return line
    }

    /// A time span for people: "42s", "3m05s", "2h07m"; "–" when unknown.
    public static func duration(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return "–" }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60)
    }
}
