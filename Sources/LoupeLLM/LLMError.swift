/// What is wrong with a model's data (tokenizer metadata, architecture, tensors).
public struct LLMError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
