// Gathering rows or elements by integer index, and the scatter-adds that are their backward.

extension Tensor {
    /// Checks that an index tensor is int64 with every value in `0..<limit`.
    private static func validateIndices(_ indices: Tensor, limit: Int, op: String) throws -> [Int] {
        guard indices.dtype == .int64 else {
            throw TensorError.dtypeMismatch(op: op, got: indices.dtype, expected: "int64 indices")
        }
        let values = indices.ints()
        if let bad = values.first(where: { $0 < 0 || $0 >= limit }) {
            throw TensorError.invalidArgument(op: op, reason: "index \(bad) is out of range 0..<\(limit)")
        }
        return values
    }

    /// Pairs every element of an index tensor with the element it addresses: for an index of shape
    /// [outer, k, inner] along an axis of size `r`, calls `body(flat index position, flat target)`.
    @inline(__always)
    private static func forEachIndexed(_ idx: [Int], outer: Int, k: Int, inner: Int, r: Int, _ body: (Int, Int) -> Void) {
        for o in 0..<outer {
            for j in 0..<k {
                for i in 0..<inner {
                    let flat = (o * k + j) * inner + i
                    body(flat, (o * r + idx[flat]) * inner + i)
                }
            }
        }
    }

    /// A zero tensor of `shape` with `values` added at `indices` along `axis`; `indices` and
    /// `values` share a shape that matches `shape` on every other axis (the backward of gather/max).
    static func scatterAlong(_ axis: Int, indices: Tensor, values: Tensor, shape: [Int]) throws -> Tensor {
        let idx = try validateIndices(indices, limit: shape[axis], op: "scatter")
        let src = values.contiguousStorage()
        defer { withExtendedLifetime(src) {} }  // raw pointers below outlive its last use
        let out = Tensor.zeros(shape, dtype: values.dtype)
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let k = indices.shape[axis], r = shape[axis]
        func run<T: TensorScalar>(_: T.Type) {
            let s = src.base(T.self), d = out.base(T.self)
            forEachIndexed(idx, outer: outer, k: k, inner: inner, r: r) { from, to in d[to] += s[from] }
        }
        if values.dtype == .float32 { run(Float.self) } else { run(Double.self) }
        return out
    }

    /// `out[..., j, ...] = self[..., index[..., j, ...], ...]` along `axis` (torch.gather); `index`
    /// has this tensor's shape except along `axis`.
    public func gather(axis: Int, index: Tensor) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "gather")
        guard index.rank == rank,
              (0..<rank).allSatisfy({ $0 == a || index.shape[$0] == shape[$0] }) else {
            throw TensorError.shapeMismatch(op: "gather", lhs: shape, rhs: index.shape,
                                            expected: "the index must match the input on every axis but \(axis)")
        }
        guard dtype.isFloatingPoint else { throw TensorError.dtypeMismatch(op: "gather", got: dtype, expected: "float32 or float64") }
        let idx = try Tensor.validateIndices(index, limit: shape[a], op: "gather")
        let src = contiguousStorage()
        defer { withExtendedLifetime(src) {} }  // raw pointers below outlive its last use
        let out = Tensor(shape: index.shape, dtype: dtype, zeroed: false)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let k = index.shape[a], r = shape[a]
        func run<T: TensorScalar>(_: T.Type) {
            let s = src.base(T.self), d = out.base(T.self)
            Tensor.forEachIndexed(idx, outer: outer, k: k, inner: inner, r: r) { to, from in d[to] = s[from] }
        }
        if dtype == .float32 { run(Float.self) } else { run(Double.self) }
        let inputShape = shape
        return try Tensor.record("gather", inputs: [self, index], output: out) { g in
            [try Tensor.scatterAlong(a, indices: index, values: g, shape: inputShape), nil]
        }
    }

    /// The slices at `indices` (1-D int64) along `axis`, in that order (torch.index_select).
    public func indexSelect(axis: Int, indices: Tensor) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "index_select")
        guard indices.rank == 1 else {
            throw TensorError.invalidShape(op: "index_select", shape: indices.shape, reason: "indices must be 1-D")
        }
        guard dtype.isFloatingPoint else { throw TensorError.dtypeMismatch(op: "index_select", got: dtype, expected: "float32 or float64") }
        let idx = try Tensor.validateIndices(indices, limit: shape[a], op: "index_select")
        let src = contiguousStorage()
        defer { withExtendedLifetime(src) {} }  // raw pointers below outlive its last use
        var outShape = shape
        outShape[a] = idx.count
        let out = Tensor(shape: outShape, dtype: dtype, zeroed: false)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *), r = shape[a]
        func run<T: TensorScalar>(_: T.Type) {
            let s = src.base(T.self), d = out.base(T.self)
            for o in 0..<outer {
                for (j, row) in idx.enumerated() {
                    (d + (o * idx.count + j) * inner).update(from: s + (o * r + row) * inner, count: inner)
                }
            }
        }
        if dtype == .float32 { run(Float.self) } else { run(Double.self) }
        let inputShape = shape
        return try Tensor.record("index_select", inputs: [self, indices], output: out) { g in
            // Scatter-add each gradient slice back to the row it came from (rows may repeat).
            let gc = g.contiguousStorage()
            defer { withExtendedLifetime(gc) {} }  // raw pointers below outlive its last use
            let grad = Tensor.zeros(inputShape, dtype: g.dtype)
            func back<T: TensorScalar>(_: T.Type) {
                let s = gc.base(T.self), d = grad.base(T.self)
                for o in 0..<outer {
                    for (j, row) in idx.enumerated() {
                        let dst = d + (o * r + row) * inner, from = s + (o * idx.count + j) * inner
                        for i in 0..<inner { dst[i] += from[i] }
                    }
                }
            }
            if g.dtype == .float32 { back(Float.self) } else { back(Double.self) }
            return [grad, nil]
        }
    }

    /// Rows of this [vocabulary, dim] table for each index in `indices` (any shape): the result has
    /// shape `indices.shape + [dim]`.
    public func embedding(_ indices: Tensor) throws -> Tensor {
        guard rank == 2 else {
            throw TensorError.invalidShape(op: "embedding", shape: shape, reason: "the table must be [vocabulary, dim]")
        }
        return try indexSelect(axis: 0, indices: indices.reshaped([-1])).reshaped(indices.shape + [shape[1]])
    }

    /// One-hot encoding of int64 class indices: shape `indices.shape + [classes]`, float32 by default.
    public static func oneHot(_ indices: Tensor, classes: Int, dtype: DType = .float32) throws -> Tensor {
        let idx = try validateIndices(indices, limit: classes, op: "one_hot")
        let out = Tensor.zeros(indices.shape + [classes], dtype: dtype)
        for (i, c) in idx.enumerated() {
            switch dtype {
            case .float32: out.base(Float.self)[i * classes + c] = 1
            case .float64: out.base(Double.self)[i * classes + c] = 1
            case .int64: out.base(Int.self)[i * classes + c] = 1
            }
        }
        return try record("one_hot", inputs: [indices], output: out, differentiable: false)
    }
}
