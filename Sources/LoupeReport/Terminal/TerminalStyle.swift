import Foundation

/// ANSI styling for text bound for a terminal: on only when the stream is a terminal and the user
/// has not asked for no colour, and a no-op otherwise, so callers style unconditionally.
///
/// Colour is off when the `NO_COLOR` environment variable is set to anything but the empty
/// string (the convention of <https://no-color.org>), and when the output is a pipe or a file,
/// where escape codes would be noise in a log.
///
/// ```swift
/// let style = TerminalStyle.standardOutput
/// print(style.bold("Debug report") + " " + style.colored("healthy", .green))
/// let plain = TerminalStyle(isTerminal: true, environment: ["NO_COLOR": "1"])   // plain.usesColor == false
/// ```
public struct TerminalStyle: Sendable {
    /// The eight basic colours that terminal themes keep readable on their own background.
    public enum Color: Int, Sendable {
        case red = 31, green = 32, yellow = 33, blue = 34
    }

    /// Whether this style writes escape codes at all.
    public let usesColor: Bool

    /// A style that always (`true`) or never (`false`) colours: for tests, and for flags that
    /// force colour.
    public init(usesColor: Bool) {
        self.usesColor = usesColor
    }

    /// The style for a stream that is (`isTerminal`) or is not a terminal, in `environment`.
    public init(isTerminal: Bool, environment: [String: String]) {
        usesColor = isTerminal && (environment["NO_COLOR"] ?? "").isEmpty
    }

    /// The style for the stream behind `fileDescriptor`, in this process's environment.
    public init(fileDescriptor: Int32) {
        self.init(isTerminal: Self.isTerminal(fileDescriptor), environment: ProcessInfo.processInfo.environment)
    }

    /// Whether the stream behind `fileDescriptor` is a terminal (not a pipe or a file).
    public static func isTerminal(_ fileDescriptor: Int32) -> Bool {
        isatty(fileDescriptor) == 1
    }

    /// The style for standard output.
    public static var standardOutput: TerminalStyle { TerminalStyle(fileDescriptor: STDOUT_FILENO) }
    /// The style for standard error (status lines).
    public static var standardError: TerminalStyle { TerminalStyle(fileDescriptor: STDERR_FILENO) }

    public func bold(_ text: String) -> String { sgr("1", text) }

    /// Fainter than the text around it: secondary detail.
    public func dim(_ text: String) -> String { sgr("2", text) }

    public func colored(_ text: String, _ color: Color, bold: Bool = false) -> String {
        sgr(bold ? "1;\(color.rawValue)" : "\(color.rawValue)", text)
    }

    /// `text` on a grey background from black (`intensity` 0) to white (1), in the 24-step grey
    /// ramp of 256-colour terminals, with black or white text, whichever reads. Shows a weight per
    /// token (an attention row) in the terminal.
    public func shaded(_ text: String, intensity: Double) -> String {
        let t = intensity.isNaN ? 0 : Swift.min(Swift.max(intensity, 0), 1)
        let background = 232 + Int((t * 23).rounded()), foreground = t > 0.5 ? 232 : 255
        return sgr("48;5;\(background);38;5;\(foreground)", text)
    }

    /// Select Graphic Rendition: `text` between the codes and a reset.
    private func sgr(_ codes: String, _ text: String) -> String {
        usesColor ? "\u{1B}[\(codes)m\(text)\u{1B}[0m" : text
    }
}
