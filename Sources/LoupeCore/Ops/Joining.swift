// Joining tensors along an axis and splitting them apart again.

extension Tensor {
    /// Joins `tensors` along `axis`; all other dimensions must match.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(op: "concat", reason: "needs at least one tensor")
        }
        let a = try Shape.axis(axis, rank: first.rank, op: "concat")
        for t in tensors.dropFirst() {
            guard t.dtype == first.dtype else {
                throw TensorError.dtypeMismatch(op: "concat", got: t.dtype, expected: "\(first.dtype) like the first tensor")
            }
            guard t.rank == first.rank, (0..<t.rank).allSatisfy({ $0 == a || t.shape[$0] == first.shape[$0] }) else {
                throw TensorError.shapeMismatch(op: "concat", lhs: first.shape, rhs: t.shape,
                                                expected: "equal sizes on every axis except \(axis)")
            }
        }
        var outShape = first.shape
        outShape[a] = tensors.map { $0.shape[a] }.reduce(0, +)
        let out = Tensor(shape: outShape, dtype: first.dtype, zeroed: false)
        var start = 0
        var ranges: [Range<Int>] = []
        for t in tensors {
            let size = t.shape[a]
            StridedCopy.copy(t, into: out.view(shape: t.shape, strides: out.strides, offset: start * out.strides[a]))
            ranges.append(start..<start + size)
            start += size
        }
        return try record("concat", inputs: tensors, output: out) { g in
            try ranges.map { try g.slice(axis: a, $0.lowerBound, $0.upperBound) }
        }
    }

    /// Stacks same-shaped tensors along a new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw TensorError.invalidArgument(op: "stack", reason: "needs at least one tensor")
        }
        let a = try Shape.axis(axis, rank: first.rank + 1, op: "stack")
        for t in tensors where t.shape != first.shape {
            throw TensorError.shapeMismatch(op: "stack", lhs: first.shape, rhs: t.shape, expected: "every tensor of the same shape")
        }
        return try concat(tensors.map { try $0.unsqueezed(a) }, axis: a)
    }

    /// Splits along `axis` into consecutive pieces of the given sizes (views; sizes must add up).
    public func split(_ sizes: [Int], axis: Int = 0) throws -> [Tensor] {
        let a = try Shape.axis(axis, rank: rank, op: "split")
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[a] else {
            throw TensorError.invalidArgument(op: "split", reason: "sizes \(sizes) must be ≥ 0 and add up to \(shape[a]), the size of axis \(axis) of \(shape)")
        }
        var start = 0
        return try sizes.map { size in
            defer { start += size }
            return try slice(axis: a, start, start + size)
        }
    }

    /// Splits along `axis` into `parts` equal pieces.
    public func chunked(_ parts: Int, axis: Int = 0) throws -> [Tensor] {
        let a = try Shape.axis(axis, rank: rank, op: "chunk")
        guard parts > 0, shape[a] % parts == 0 else {
            throw TensorError.invalidArgument(op: "chunk", reason: "axis \(axis) of size \(shape[a]) does not divide into \(parts) equal parts")
        }
        return try split([Int](repeating: shape[a] / parts, count: parts), axis: a)
    }
}
