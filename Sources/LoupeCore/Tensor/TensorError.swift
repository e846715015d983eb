/// Everything a caller can get wrong when using tensors, with enough context to fix it.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// Two shapes an op needs to agree do not (e.g. broadcasting or matmul inner dimensions).
    case shapeMismatch(op: String, lhs: [Int], rhs: [Int], expected: String)
    /// A shape argument is impossible for the tensor (wrong element count, rank, negative size...).
    case invalidShape(op: String, shape: [Int], reason: String)
    /// An axis index outside `-rank..<rank`.
    case invalidAxis(op: String, axis: Int, rank: Int)
    /// An element type the op does not support.
    case dtypeMismatch(op: String, got: DType, expected: String)
    /// An argument value out of its allowed range (an index, a probability, a stride...).
    case invalidArgument(op: String, reason: String)
    /// Autograd was asked for something it cannot do (backward on a tensor without a graph...).
    case autograd(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, lhs, rhs, expected):
            "\(op): shapes \(lhs) and \(rhs) are incompatible: \(expected)"
        case let .invalidShape(op, shape, reason):
            "\(op): invalid shape \(shape): \(reason)"
        case let .invalidAxis(op, axis, rank):
            "\(op): axis \(axis) is out of range for a tensor of rank \(rank) (allowed: \(-rank)...\(rank - 1))"
        case let .dtypeMismatch(op, got, expected):
            "\(op): got a \(got) tensor, expected \(expected)"
        case let .invalidArgument(op, reason):
            "\(op): \(reason)"
        case let .autograd(reason):
            "autograd: \(reason)"
        }
    }
}
