/// Everything that can be wrong with a safetensors file, or with a request to write one.
///
/// Every case names the file (`source`: the path, or the label given to
/// ``SafeTensors/read(data:source:)``), and where it applies the tensor and the header field, and
/// says what was found and what was expected:
///
/// ```
/// safetensors model.safetensors: tensor "fc.weight", field "shape": expected an array of
/// non-negative integers, got -3 at index 1
/// ```
public enum SafeTensorsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read, written or renamed into place.
    case io(path: String, reason: String)
    /// The 8-byte length prefix or the JSON header as a whole is unusable (too short, too long,
    /// not UTF-8, not JSON, not an object).
    case invalidHeader(source: String, reason: String)
    /// A header entry, or one of its fields, is missing, of the wrong type or inconsistent.
    /// `tensor` is the entry's name (`__metadata__` for the metadata block); `field` is `dtype`,
    /// `shape`, `data_offsets` or the metadata key, and `nil` when the entry as a whole is wrong
    /// (not an object, a duplicate name).
    case invalidEntry(source: String, tensor: String, field: String?, reason: String)
    /// A well-formed entry names a dtype Loupe cannot convert (e.g. `F8_E4M3`, `U64`).
    case unsupportedDType(source: String, tensor: String, dtype: String)
    /// The tensors' byte ranges do not tile the data buffer: an overlap, a hole, or trailing bytes.
    /// `tensor` is the first tensor involved, if any.
    case invalidLayout(source: String, tensor: String?, reason: String)
    /// ``SafeTensorsFile/tensor(_:)`` was asked for a name the file does not have.
    case missingTensor(source: String, tensor: String, available: [String])
    /// A tensor cannot be written under this name (`__metadata__` is reserved for the metadata).
    case invalidArgument(tensor: String, reason: String)

    /// The tensor the error is about, if any.
    public var tensor: String? {
        switch self {
        case let .invalidEntry(_, tensor, _, _), let .unsupportedDType(_, tensor, _),
             let .missingTensor(_, tensor, _), let .invalidArgument(tensor, _):
            tensor
        case let .invalidLayout(_, tensor, _):
            tensor
        case .io, .invalidHeader:
            nil
        }
    }

    /// The header field the error is about, if any.
    public var field: String? {
        switch self {
        case let .invalidEntry(_, _, field, _): field
        case .unsupportedDType: "dtype"
        case .invalidLayout: "data_offsets"
        case .io, .invalidHeader, .missingTensor, .invalidArgument: nil
        }
    }

    public var description: String {
        switch self {
        case let .io(path, reason):
            "\(path): \(reason)"
        case let .invalidHeader(source, reason):
            "safetensors \(source): invalid header: \(reason)"
        case let .invalidEntry(source, tensor, field?, reason):
            "safetensors \(source): tensor \(JSONText.quoted(tensor)), field \(JSONText.quoted(field)): \(reason)"
        case let .invalidEntry(source, tensor, nil, reason):
            "safetensors \(source): tensor \(JSONText.quoted(tensor)): \(reason)"
        case let .unsupportedDType(source, tensor, dtype):
            "safetensors \(source): tensor \(JSONText.quoted(tensor)), field \"dtype\": \(JSONText.quoted(dtype)) "
                + (SafeTensorsDType.knownUnsupported.contains(dtype)
                    ? "is a safetensors dtype Loupe does not read"
                    : "is not a safetensors dtype")
                + "; expected one of \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", "))"
        case let .invalidLayout(source, tensor, reason):
            if let tensor {
                "safetensors \(source): tensor \(JSONText.quoted(tensor)), field \"data_offsets\": \(reason)"
            } else {
                "safetensors \(source): data buffer: \(reason)"
            }
        case let .missingTensor(source, tensor, available):
            "safetensors \(source): no tensor \(JSONText.quoted(tensor)); the file has \(available.count): "
                + available.prefix(10).map { JSONText.quoted($0) }.joined(separator: ", ")
                + (available.count > 10 ? ", …" : "")
        case let .invalidArgument(tensor, reason):
            "safetensors: cannot write tensor \(JSONText.quoted(tensor)): \(reason)"
        }
    }
}
