import Foundation

/// Terminal conventions: colour and progress only when standard output is a TTY.
enum Terminal {
    static let isTTY = isatty(STDOUT_FILENO) == 1

    static func bold(_ s: String) -> String { isTTY ? "\u{1B}[1m\(s)\u{1B}[0m" : s }
    static func dim(_ s: String) -> String { isTTY ? "\u{1B}[2m\(s)\u{1B}[0m" : s }
    static func green(_ s: String) -> String { isTTY ? "\u{1B}[32m\(s)\u{1B}[0m" : s }
    static func yellow(_ s: String) -> String { isTTY ? "\u{1B}[33m\(s)\u{1B}[0m" : s }

    /// Writes `s` to standard output now (no buffering): streamed model output.
    static func stream(_ s: String) {
        guard !s.isEmpty else { return }
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    /// Writes a status line to standard error, dimmed when standard error is a TTY.
    static func status(_ s: String) {
        let shown = isatty(STDERR_FILENO) == 1 ? "\u{1B}[2m\(s)\u{1B}[0m" : s
        FileHandle.standardError.write(Data((shown + "\n").utf8))
    }

    /// Redraws one progress line (`label [#####.....] 50% ETA 3s`) in place; no-op off a TTY.
    static func progress(_ label: String, done: Int, total: Int, started: Date, detail: String = "") {
        guard isTTY, total > 0 else { return }
        let fraction = Double(done) / Double(total)
        let width = 30, filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(started)
        let eta = done > 0 ? elapsed / fraction - elapsed : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ %@ %3d%% ETA %.0fs %@", label, bar, Int(fraction * 100), eta, detail)
        FileHandle.standardOutput.write(line.data(using: .utf8)!)
        if done == total { FileHandle.standardOutput.write("\r\u{1B}[2K".data(using: .utf8)!) }
    }
}
