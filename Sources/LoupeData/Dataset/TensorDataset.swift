import LoupeCore

/// A dataset held in memory as two tensors whose first dimension indexes the samples.
///
/// - `inputs`: [N, ...] float32 (images, features) or int64 (token ids).
/// - `targets`: [N] int64 class labels, [N, k] float32 regression targets, or [N, T] int64 next-token
///   targets for text.
///
/// ```swift
/// let data = try TensorDataset(inputs: Tensor([0, 1, 2, 3], shape: [2, 2]), targets: Tensor(indices: [0, 1]))
/// let (x, y) = try data.batch([1])   // x: [1, 2], y: [1]
/// ```
public struct TensorDataset: Sendable {
    public let inputs: Tensor
    public let targets: Tensor
    /// Host copies of int64 tensors, made once so that batches do not copy the whole tensor each time.
    private let inputInts: [Int]?
    private let targetInts: [Int]?

    /// Checks that both tensors have a sample dimension of the same size and supported types.
    public init(inputs: Tensor, targets: Tensor) throws {
        guard inputs.rank >= 1, targets.rank >= 1 else {
            throw DataError.shapeMismatch(op: "TensorDataset",
                                          reason: "inputs \(inputs.shape) and targets \(targets.shape) both need a sample dimension")
        }
        guard inputs.shape[0] == targets.shape[0] else {
            throw DataError.shapeMismatch(op: "TensorDataset",
                                          reason: "inputs have \(inputs.shape[0]) samples (shape \(inputs.shape)) but targets have \(targets.shape[0]) (shape \(targets.shape))")
        }
        guard inputs.dtype != .float64, targets.dtype != .float64 else {
            throw DataError.shapeMismatch(op: "TensorDataset",
                                          reason: "inputs are \(inputs.dtype) and targets \(targets.dtype); expected float32 or int64")
        }
        self.inputs = inputs
        self.targets = targets
        inputInts = inputs.dtype == .int64 ? inputs.ints() : nil
        targetInts = targets.dtype == .int64 ? targets.ints() : nil
    }

    /// Number of samples N.
    public var count: Int { inputs.shape[0] }

    /// Shape of one sample's input (`inputs.shape` without N).
    public var sampleShape: [Int] { Array(inputs.shape.dropFirst()) }

    /// Whether the targets are class labels: a 1-D int64 tensor.
    public var hasClassLabels: Bool { targets.dtype == .int64 && targets.rank == 1 }

    /// The class labels as integers; throws unless the targets are [N] int64.
    public func labels() throws -> [Int] {
        guard hasClassLabels else {
            throw DataError.shapeMismatch(op: "labels", reason: "targets are \(targets.dtype) \(targets.shape), expected int64 [N] class labels")
        }
        return targetInts ?? []
    }

    /// The largest label plus one, for [N] int64 targets; `nil` for other targets or no samples.
    public var classCount: Int? {
        guard hasClassLabels, let top = targetInts?.max() else { return nil }
        return top + 1
    }

    /// The samples at `indices`, in that order (indices may repeat).
    ///
    /// - Returns: inputs [B, ...] and targets [B, ...] with B = `indices.count`.
    public func batch(_ indices: [Int]) throws -> (inputs: Tensor, targets: Tensor) {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw DataError.invalidArgument(op: "batch", reason: "index \(bad) is out of range 0..<\(count)")
        }
        return (try Self.rows(inputs, inputInts, indices), try Self.rows(targets, targetInts, indices))
    }

    /// A new dataset with the samples at `indices`, in that order.
    public func subset(_ indices: [Int]) throws -> TensorDataset {
        let (x, y) = try batch(indices)
        return try TensorDataset(inputs: x, targets: y)
    }

    /// Rows of `t` along its first dimension. Float tensors go through the engine's `indexSelect`;
    /// int64 tensors (labels, token ids), which `indexSelect` does not take, are copied from `all`,
    /// their host copy.
    private static func rows(_ t: Tensor, _ all: [Int]?, _ indices: [Int]) throws -> Tensor {
        let shape = [indices.count] + t.shape.dropFirst()
        guard let all else { return try t.indexSelect(axis: 0, indices: Tensor(indices: indices)).detach() }
        let inner = t.shape.dropFirst().reduce(1, *)
        var out = [Int]()
        out.reserveCapacity(indices.count * inner)
        for i in indices { out.append(contentsOf: all[(i * inner)..<((i + 1) * inner)]) }
        return Tensor(indices: out, shape: shape)
    }
}
