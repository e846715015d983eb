/// A fine-tuning input that cannot be used (an adapter file, its config, a layout), with what was
/// expected.
public struct FineTuneError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(_ message: String) { self.message = message }
}
