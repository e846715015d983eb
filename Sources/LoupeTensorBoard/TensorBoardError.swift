/// Everything that can go wrong writing TensorBoard files: the file system, or a value TensorBoard
/// could not show.
///
/// File errors name the file and the system's reason; value errors name the tag or hyperparameter:
///
/// ```
/// tensorboard runs/mlp/events.out.tfevents.1767225600.box: cannot write: No space left on device
/// tensorboard: histogram "fc.weight": 3 of 1024 values are not finite (NaN or ±∞)
/// ```
public enum TensorBoardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A directory or file could not be created, written, flushed or closed.
    case io(path: String, reason: String)
    /// The writer was used after ``EventFileWriter/close()`` or ``TFRecordWriter/close()``.
    case closed(path: String)
    /// A tag TensorBoard cannot file a value under (the empty tag).
    case invalidTag(tag: String, reason: String)
    /// A histogram that cannot be drawn: no values, non-finite values, or buckets that do not
    /// match. `tag` is nil when the histogram was built on its own, before it was given a tag.
    case invalidHistogram(tag: String?, reason: String)
    /// The event holding the value under `tag` cannot be encoded (protobuf messages are limited to
    /// 2 GiB).
    case encoding(tag: String, reason: String)
    /// A hyperparameter or metric declaration, or a session's value, that the HParams plugin would
    /// misread (a duplicate name, a value of another type than declared, an empty interval).
    case invalidHParams(name: String, reason: String)

    public var description: String {
        switch self {
        case let .io(path, reason):
            "tensorboard \(path): \(reason)"
        case let .closed(path):
            "tensorboard \(path): the writer was closed"
        case let .invalidTag(tag, reason):
            "tensorboard: tag \(quoted(tag)): \(reason)"
        case let .invalidHistogram(tag?, reason):
            "tensorboard: histogram \(quoted(tag)): \(reason)"
        case let .invalidHistogram(nil, reason):
            "tensorboard: histogram: \(reason)"
        case let .encoding(tag, reason):
            "tensorboard: tag \(quoted(tag)): cannot encode the event: \(reason)"
        case let .invalidHParams(name, reason):
            "tensorboard: hparams \(quoted(name)): \(reason)"
        }
    }

    /// The histogram error with its tag filled in, once the writer knows it.
    func tagged(_ tag: String) -> TensorBoardError {
        if case let .invalidHistogram(nil, reason) = self { return .invalidHistogram(tag: tag, reason: reason) }
        return self
    }
}

/// `text` in double quotes, so an empty or space-padded name is visible in a message.
private func quoted(_ text: String) -> String { "\"\(text)\"" }
