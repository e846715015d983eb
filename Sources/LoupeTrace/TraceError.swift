/// What is wrong with a tracing request: a token, layer, head, neuron, position or cycle out of
/// range, or a command the interactive session does not know. The message says what was expected.
public struct TraceError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
