// Reductions over any set of axes, with or without keeping the reduced dimensions.

extension Tensor {
    /// Shape after reducing `axes`, with the reduced dimensions kept as 1 or dropped.
    private func reducedShape(_ axes: [Int], keepDims: Bool) -> [Int] {
        keepDims ? shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
                 : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sums one run of consecutive axes `lo...hi` of a contiguous tensor, keeping them as size 1.
    private func sumRun(_ lo: Int, _ hi: Int) -> Tensor {
        let outer = shape[..<lo].reduce(1, *), reduced = shape[lo...hi].reduce(1, *)
        let inner = shape[(hi + 1)...].reduce(1, *)
        var outShape = shape
        for a in lo...hi { outShape[a] = 1 }
        let out = Tensor(shape: outShape, dtype: dtype, zeroed: false)
        switch dtype {
        case .float32: Reduce.sumMiddle(base(Float.self), out.base(Float.self), outer: outer, reduced: reduced, inner: inner)
        case .float64: Reduce.sumMiddle(base(Double.self), out.base(Double.self), outer: outer, reduced: reduced, inner: inner)
        case .int64: break
        }
        return out
    }

    /// Sum over `axes` (all axes when `nil`).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw TensorError.dtypeMismatch(op: "sum", got: dtype, expected: "float32 or float64")
        }
        let resolved = try Shape.axes(axes, rank: rank, op: "sum")
        var result = contiguousStorage()
        // Reduce each run of consecutive axes in one pass, last run first.
        var i = resolved.count - 1
        while i >= 0 {
            var lo = i
            while lo > 0 && resolved[lo - 1] == resolved[lo] - 1 { lo -= 1 }
            result = result.sumRun(resolved[lo], resolved[i])
            i = lo - 1
        }
        let out = resolved.isEmpty ? StridedCopy.copy(result) : result.view(
            shape: reducedShape(resolved, keepDims: keepDims),
            strides: Shape.contiguousStrides(reducedShape(resolved, keepDims: keepDims)), offset: 0)
        let inputShape = shape, kept = reducedShape(resolved, keepDims: true)
        return try Tensor.record("sum", inputs: [self], output: out) { g in
            [try g.reshaped(kept).expanded(to: inputShape)]
        }
    }

    /// Mean over `axes` (all axes when `nil`).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let resolved = try Shape.axes(axes, rank: rank, op: "mean")
        let n = resolved.map { shape[$0] }.reduce(1, *)
        return try sum(axes: resolved, keepDims: keepDims) / Double(Swift.max(n, 1))
    }

    /// Variance over `axes`, dividing by n − `correction` (1: unbiased, as torch.var; 0: population).
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 1) throws -> Tensor {
        let resolved = try Shape.axes(axes, rank: rank, op: "var")
        let n = resolved.map { shape[$0] }.reduce(1, *)
        let centered = try self - mean(axes: resolved, keepDims: true)
        return try (centered * centered).sum(axes: resolved, keepDims: keepDims) / Double(Swift.max(n - correction, 0))
    }

    /// Standard deviation over `axes` (see ``variance(axes:keepDims:correction:)``).
    public func std(axes: [Int]? = nil, keepDims: Bool = false, correction: Int = 1) throws -> Tensor {
        try variance(axes: axes, keepDims: keepDims, correction: correction).sqrt()
    }

    /// Maxima and their indices along `axis`; the gradient flows to the (first) maximal element.
    public func max(axis: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        guard dtype.isFloatingPoint else {
            throw TensorError.dtypeMismatch(op: "max", got: dtype, expected: "float32 or float64")
        }
        let a = try Shape.axis(axis, rank: rank, op: "max")
        guard shape[a] > 0 else {
            throw TensorError.invalidShape(op: "max", shape: shape, reason: "cannot take the max of an empty axis \(axis)")
        }
        let x = contiguousStorage()
        defer { withExtendedLifetime(x) {} }  // raw pointers below outlive its last use
        let outer = shape[..<a].reduce(1, *), reduced = shape[a], inner = shape[(a + 1)...].reduce(1, *)
        let outShape = reducedShape([a], keepDims: keepDims)
        let values = Tensor(shape: outShape, dtype: dtype, zeroed: false)
        let indices = Tensor(shape: outShape, dtype: .int64, zeroed: false)
        switch dtype {
        case .float32: Reduce.maxMiddle(x.base(Float.self), values.base(Float.self), indices.base(Int.self),
                                        outer: outer, reduced: reduced, inner: inner)
        default: Reduce.maxMiddle(x.base(Double.self), values.base(Double.self), indices.base(Int.self),
                                  outer: outer, reduced: reduced, inner: inner)
        }
        let inputShape = shape, kept = reducedShape([a], keepDims: true)
        let recorded = try Tensor.record("max", inputs: [self], output: values) { g in
            [try Tensor.scatterAlong(a, indices: indices.reshaped(kept), values: g.reshaped(kept), shape: inputShape)]
        }
        return (recorded, indices)
    }

    /// The largest element.
    public func max() throws -> Tensor { try reshaped([-1]).max(axis: 0).values }

    /// Minima along `axis` (as −max(−x)).
    public func min(axis: Int, keepDims: Bool = false) throws -> Tensor {
        try -(-self).max(axis: axis, keepDims: keepDims).values
    }

    /// Indices of the maxima along `axis` (int64).
    public func argmax(axis: Int, keepDims: Bool = false) throws -> Tensor {
        try GradMode.withoutGrad { try max(axis: axis, keepDims: keepDims).indices }
    }
}
