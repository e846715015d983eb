import LoupeCore

/// The contents of a safetensors file: its tensors by name, its metadata, and how each was stored.
///
/// ```swift
/// let file = try SafeTensors.read(contentsOf: url)
/// let weight = try file.tensor("fc.weight")       // throws, naming the file, if absent
/// print(file.names)                                // in file order
/// print(file.metadata["format"] ?? "-")            // "pt" for files written by PyTorch
/// ```
public struct SafeTensorsFile: Sendable {
    /// How one tensor was stored in the file.
    public struct Entry: Equatable, Sendable {
        public let name: String
        /// The stored element type (the tensor may have been converted, see ``SafeTensorsDType``).
        public let dtype: SafeTensorsDType
        public let shape: [Int]
        /// Byte range in the data buffer (which starts after the header).
        public let dataOffsets: Range<Int>
    }

    /// Where the file came from: its path, or the label given to ``SafeTensors/read(data:source:)``.
    public let source: String
    /// The tensors by name, converted to Loupe's dtypes.
    public let tensors: [String: Tensor]
    /// The `__metadata__` block (empty when the file has none).
    public let metadata: [String: String]
    /// One entry per tensor, in data-buffer order.
    public let entries: [Entry]

    /// Tensor names in data-buffer order.
    public var names: [String] { entries.map(\.name) }

    /// The tensor called `name`.
    public subscript(name: String) -> Tensor? { tensors[name] }

    /// The tensor called `name`, or an error naming the file and the tensors it does have.
    public func tensor(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else {
            throw SafeTensorsError.missingTensor(source: source, tensor: name, available: names)
        }
        return t
    }
}
