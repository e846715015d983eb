import LoupeCore

/// Predictions that cannot be scored, with what was expected.
public enum EvalError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Nothing to score.
    case empty(what: String)
    /// Two inputs that must have one entry per example do not.
    case countMismatch(what: String, expected: Int, found: Int)
    /// A value out of its range: a label that is no class, a probability that is not finite.
    case invalidValue(what: String, index: Int, value: String, expected: String)
    /// A setting out of its range (a context length, a stride).
    case invalidSetting(what: String, value: Int, expected: String)
    /// A text with too few tokens for the method: `needed` for a context of `context`.
    case textTooShort(tokens: Int, needed: Int, context: Int)
    /// What one scoring window needs does not fit in memory.
    case tooLarge(SizeError)
    /// A line of a multiple-choice task file that is not a task item.
    case invalidTask(file: String, line: Int, reason: String)
    /// A model and the base it is compared with do not share a vocabulary.
    case vocabularyMismatch(model: Int, base: Int)

    public var description: String {
        switch self {
        case let .empty(what): "no \(what) to score"
        case let .countMismatch(what, expected, found): "\(what): expected \(expected), found \(found)"
        case let .invalidValue(what, index, value, expected): "\(what) [\(index)] is \(value), expected \(expected)"
        case let .invalidSetting(what, value, expected): "\(what) is \(value), expected \(expected)"
        case let .textTooShort(tokens, needed, context):
            "the text is \(tokens) tokens; a context of \(context) needs at least \(needed) (give a longer text or a smaller --context)"
        case let .tooLarge(error): "\(error)"
        case let .invalidTask(file, line, reason): "\(file):\(line): \(reason)"
        case let .vocabularyMismatch(model, base):
            "the model has \(model) token ids and the base model \(base): KL divergence compares models with one tokenizer"
        }
    }
}
