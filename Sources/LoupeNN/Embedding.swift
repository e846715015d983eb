import LoupeCore

/// Looks up rows of a [vocabulary, dim] table: int64 indices of any shape → shape + [dim].
public final class Embedding: Module {
    public let weight: Parameter

    /// Rows default to N(0, 1), as in PyTorch.
    public init(_ vocabulary: Int, _ dim: Int, weightInit: Initializer = .normal(std: 1), using rng: inout RandomGenerator) throws {
        weight = Parameter(try weightInit.make([vocabulary, dim], using: &rng))
    }

    /// Token ids may also come as whole-number floats (a CSV of ids reads as float32).
    override public func forward(_ indices: Tensor) throws -> Tensor {
        try weight.value.embedding(indices.dtype == .int64 ? indices : indices.to(.int64))
    }
}
