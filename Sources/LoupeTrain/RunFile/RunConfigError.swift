import LoupeCore

/// A run file that cannot be used, with the key, the value and what is allowed.
public enum RunConfigError: Error, CustomStringConvertible, Equatable {
    case syntax(file: String, line: Int, column: Int, message: String)
    case unknownKey(key: String, allowed: [String])
    case missingKey(key: String)
    case invalidValue(key: String, value: String, allowed: String)
    case unreadable(file: String, reason: String)
    /// A model (or a batch of its activations) that would not fit in this machine's memory,
    /// found before anything was allocated.
    case tooLarge(SizeError)
    /// `loupe train --resume` with a run file that differs from the one the checkpoint was saved
    /// with, in settings not accepted with `--override`.
    case changedSinceCheckpoint(checkpoint: String, changes: [RunConfig.Change])

    /// The error as said of the run file `file`: prefixed with its name unless it names a file itself.
    public func message(for file: String) -> String {
        switch self {
        case .syntax, .unreadable: description
        default: "\(file): \(description)"
        }
    }

    public var description: String {
        switch self {
        case let .syntax(file, line, column, message):
            "\(file):\(line):\(column): TOML syntax error: \(message)"
        case let .unknownKey(key, allowed):
            "unknown key '\(key)'; allowed here: \(allowed.joined(separator: ", "))"
        case let .missingKey(key):
            "missing required key '\(key)'"
        case let .invalidValue(key, value, allowed):
            "invalid value \(value) for '\(key)': expected \(allowed)"
        case let .unreadable(file, reason):
            "cannot read \(file): \(reason)"
        case let .changedSinceCheckpoint(checkpoint, changes):
            "the run file differs from the one \(checkpoint) was saved with:\n"
                + changes.map { "  \($0)\n" }.joined()
                + "resuming with these would not continue the same run; to go on with them anyway, pass "
                + "--override \(changes.map(\.key).joined(separator: ",")) (or drop --resume to start a new run)"
        case let .tooLarge(error):
            "\(error) (weights, gradients and optimizer state, and a batch's activations); make the layer or train.batch_size smaller"
        }
    }
}
