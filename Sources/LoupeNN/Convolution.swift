import LoupeCore

/// 2-D convolution over [N, C, H, W] → [N, OC, OH, OW].
public final class Conv2d: Module {
    /// [OC, C, KH, KW].
    public let weight: Parameter
    /// [OC], or nil.
    public let bias: Parameter?
    public let stride: Int, padding: Int

    /// Weights default to PyTorch's `U(±1/√(C·KH·KW))`.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, weightInit: Initializer? = nil, biasInit: Initializer? = nil,
                using rng: inout RandomGenerator) throws {
        let bound = 1 / Double(max(inChannels * kernel * kernel, 1)).squareRoot()
        weight = Parameter(try (weightInit ?? .uniform(limit: bound)).make([outChannels, inChannels, kernel, kernel], using: &rng))
        self.bias = bias ? Parameter(try (biasInit ?? .uniform(limit: bound)).make([outChannels], using: &rng)) : nil
        self.stride = stride
        self.padding = padding
        super.init()
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        try x.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
    }
}

/// Max over `size`×`size` windows (stride = size unless given).
public final class MaxPool2d: Module {
    public let size: Int, stride: Int?
    public init(_ size: Int, stride: Int? = nil) { self.size = size; self.stride = stride }
    override public func forward(_ x: Tensor) throws -> Tensor { try x.maxPool2d(kernel: size, stride: stride) }
}

/// Mean over `size`×`size` windows (stride = size unless given).
public final class AvgPool2d: Module {
    public let size: Int, stride: Int?
    public init(_ size: Int, stride: Int? = nil) { self.size = size; self.stride = stride }
    override public func forward(_ x: Tensor) throws -> Tensor { try x.avgPool2d(kernel: size, stride: stride) }
}

/// [N, d1, d2, ...] → [N, d1·d2·...].
public final class Flatten: Module {
    override public init() {}
    override public func forward(_ x: Tensor) throws -> Tensor { try x.flattened(from: 1) }
}
