import LoupeCore

/// What one forward pass costs, op by op, counted from the engine's own forward events (every op
/// reports its inputs and output; see `Hooks`), so a new layer is counted without being taught.
///
/// FLOPs follow PyTorch's `torch.utils.flop_counter`: a multiply–add is 2 FLOPs, and only the
/// products are counted — `matmul` and the int8 layers' `int8_matmul` (2·M·K·N per matrix, batched or not) and `conv2d`/`int8_conv2d`
/// (2 · output values · input channels · kernel area). Element-wise ops, reductions and copies
/// count no FLOPs; their cost is memory traffic, which is counted for every op: the bytes of its
/// inputs read plus its output written (an upper bound: the engine may fuse or reuse).
///
/// ```swift
/// let model = try Linear(64, 10, using: &rng)
/// let cost = try ForwardCost.measure { _ = try model(Tensor.zeros([8, 64])) }
/// let flops = cost.flops    // 2 · 8 · 64 · 10 = 10,240
/// ```
public struct ForwardCost: Sendable, Equatable {
    /// One op's share: how often it ran and what it cost.
    public struct Op: Sendable, Equatable {
        public var calls = 0
        public var flops = 0
        public var bytes = 0
    }

    /// By op name (`matmul`, `conv2d`, `relu`, …).
    public private(set) var ops: [String: Op] = [:]
    public var flops: Int { ops.values.map(\.flops).reduce(0, +) }
    /// Bytes read and written by all ops.
    public var bytes: Int { ops.values.map(\.bytes).reduce(0, +) }

    public init() {}

    /// Runs `body` (one forward pass, say) and counts every op it runs on this thread.
    public static func measure(_ body: () throws -> Void) throws -> ForwardCost {
        var cost = ForwardCost()
        let handle = Hooks.addForwardHook { event in cost.add(op: event.op, inputs: event.inputs, output: event.output) }
        defer { handle.remove() }
        try body()
        return cost
    }

    /// Adds one op.
    public mutating func add(op: String, inputs: [Tensor], output: Tensor) {
        var entry = ops[op] ?? Op()
        entry.calls += 1
        entry.flops += Self.flops(op: op, inputs: inputs, output: output)
        // An int8 layer's weight codes travel as int64 tensors in the event but are read as bytes.
        entry.bytes += (inputs + [output]).map { $0.count * (op.hasPrefix("int8_") && $0.dtype == .int64 ? 1 : $0.dtype.byteSize) }.reduce(0, +)
        ops[op] = entry
    }

    /// The FLOPs of one op by the convention above.
    static func flops(op: String, inputs: [Tensor], output: Tensor) -> Int {
        switch op {
        case "matmul", "int8_matmul":
            // [..., M, K] × [..., K, N] → [..., M, N]: each output value is a K-long dot product.
            guard let k = inputs.first?.shape.last else { return 0 }
            return 2 * output.count * k
        case "conv2d", "int8_conv2d":
            // weight [OC, C, KH, KW]: each output value sums C·KH·KW products.
            guard inputs.count >= 2, let oc = inputs[1].shape.first, oc > 0 else { return 0 }
            return 2 * output.count * (inputs[1].count / oc)
        default:
            return 0
        }
    }
}
