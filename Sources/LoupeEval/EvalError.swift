/// Predictions that cannot be scored, with what was expected.
public enum EvalError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing to score.
    case empty(what: String)
    /// Two inputs that must have one entry per example do not.
    case countMismatch(what: String, expected: Int, found: Int)
    /// A value out of its range: a label that is no class, a probability that is not finite.
    case invalidValue(what: String, index: Int, value: String, expected: String)

    public var description: String {
        switch self {
        case let .empty(what): "no \(what) to score"
        case let .countMismatch(what, expected, found): "\(what): expected \(expected), found \(found)"
        case let .invalidValue(what, index, value, expected): "\(what) [\(index)] is \(value), expected \(expected)"
        }
    }
}
