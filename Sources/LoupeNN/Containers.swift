import LoupeCore

/// Runs its layers in order; they are named "0", "1", ... in paths.
public final class Sequential: Module {
    public let layers: [Module]
    public init(_ layers: [Module]) { self.layers = layers }

    override public func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for layer in layers { h = try layer(h) }
        return h
    }
}

/// x + block(x).
public final class Residual: Module {
    public let block: Module
    public init(_ block: Module) { self.block = block }
    override public func forward(_ x: Tensor) throws -> Tensor { try x + block(x) }
}

/// Reshapes each example (the batch dimension is kept): [N, ...] → [N] + shape.
public final class Reshape: Module {
    public let shape: [Int]
    public init(_ shape: [Int]) { self.shape = shape }
    override public func forward(_ x: Tensor) throws -> Tensor { try x.reshaped([x.shape[0]] + shape) }
}
