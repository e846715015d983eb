import Foundation
import LoupeReport

/// The CLI's terminal conventions, on LoupeReport's ``TerminalStyle``: colour only on a terminal
/// without `NO_COLOR`, status lines on standard error, model output streamed unbuffered.
enum Terminal {
    /// Whether standard output is a terminal (progress lines instead of periodic log lines).
    static let isTTY = TerminalStyle.isTerminal(STDOUT_FILENO)
    /// Styling for standard output.
    static let style = TerminalStyle.standardOutput

    static func bold(_ s: String) -> String { style.bold(s) }
    static func dim(_ s: String) -> String { style.dim(s) }
    static func green(_ s: String) -> String { style.colored(s, .green) }
    static func yellow(_ s: String) -> String { style.colored(s, .yellow) }
    static func red(_ s: String) -> String { style.colored(s, .red) }

    /// Writes `s` to standard output now (no buffering): streamed model output.
    static func stream(_ s: String) {
        guard !s.isEmpty else { return }
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    /// Writes a status line to standard error, dimmed when standard error takes colour.
    static func status(_ s: String) {
        FileHandle.standardError.write(Data((TerminalStyle.standardError.dim(s) + "\n").utf8))
    }
}
