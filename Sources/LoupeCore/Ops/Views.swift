// Views share storage with their input: no element is copied. Their backward maps the gradient
// back through the inverse view (reshape, permute) or writes it into a zero tensor (slice).

extension Tensor {
    /// A view of the same storage with another shape/strides (grad is recorded by the caller).
    func view(shape: [Int], strides: [Int], offset: Int) -> Tensor {
        Tensor(storage: storage, dtype: dtype, shape: shape, strides: strides, offset: offset)
    }

    /// The same elements with a new shape; one dimension may be `-1` (inferred). A view when the
    /// tensor is contiguous, a copy otherwise.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var target = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        guard inferred.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidShape(op: "reshape", shape: newShape, reason: "sizes must be ≥ 0, with at most one -1")
        }
        if let i = inferred.first {
            guard known > 0, count % known == 0 else {
                throw TensorError.invalidShape(op: "reshape", shape: newShape,
                                               reason: "cannot infer -1 for \(count) elements of shape \(shape)")
            }
            target[i] = count / known
        }
        guard Shape.count(target) == count else {
            throw TensorError.invalidShape(op: "reshape", shape: newShape,
                                           reason: "\(Shape.count(target)) elements, but the tensor of shape \(shape) has \(count)")
        }
        if target == shape { return self }
        let source = contiguousStorage()
        defer { withExtendedLifetime(source) {} }  // raw pointers below outlive its last use
        let out = source.view(shape: target, strides: Shape.contiguousStrides(target), offset: source.offset)
        let original = shape
        return try Tensor.record("reshape", inputs: [self], output: out) { g in [try g.reshaped(original)] }
    }

    /// Reorders the dimensions: output dimension i is input dimension `dims[i]`.
    public func permuted(_ dims: [Int]) throws -> Tensor {
        let resolved = try dims.map { try Shape.axis($0, rank: rank, op: "permute") }
        guard resolved.count == rank, Set(resolved).count == rank else {
            throw TensorError.invalidArgument(op: "permute", reason: "\(dims) is not a permutation of the \(rank) axes of shape \(shape)")
        }
        let out = view(shape: resolved.map { shape[$0] }, strides: resolved.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in resolved.enumerated() { inverse[d] = i }
        return try Tensor.record("permute", inputs: [self], output: out) { g in [try g.permuted(inverse)] }
    }

    /// Swaps two dimensions (by default the last two: the matrix transpose).
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        let i = try Shape.axis(a, rank: rank, op: "transpose"), j = try Shape.axis(b, rank: rank, op: "transpose")
        var dims = Array(0..<rank)
        dims.swapAt(i, j)
        return try permuted(dims)
    }

    /// Elements `start..<end` (every `step`-th) along `axis`, as a view. Negative bounds count from the end.
    public func slice(axis: Int, _ start: Int, _ end: Int? = nil, step: Int = 1) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "slice")
        let size = shape[a]
        guard step >= 1 else { throw TensorError.invalidArgument(op: "slice", reason: "step must be ≥ 1, got \(step)") }
        let lo = Swift.min(Swift.max(start < 0 ? start + size : start, 0), size)
        let hi = Swift.min(Swift.max((end ?? size) < 0 ? (end ?? size) + size : (end ?? size), lo), size)
        var newShape = shape, newStrides = strides
        newShape[a] = (hi - lo + step - 1) / step
        newStrides[a] = strides[a] * step
        let out = view(shape: newShape, strides: newStrides, offset: offset + lo * strides[a])
        let inputShape = shape
        return try Tensor.record("slice", inputs: [self], output: out) { g in
            [Tensor.sliceGradient(g, region: SliceRegion(fullShape: inputShape, axis: a, start: lo, step: step))]
        }
    }

    /// Broadcasts size-1 dimensions (and new leading ones) to `newShape` without copying.
    public func expanded(to newShape: [Int]) throws -> Tensor {
        guard try Shape.broadcast(shape, newShape, op: "expand") == newShape else {
            throw TensorError.shapeMismatch(op: "expand", lhs: shape, rhs: newShape,
                                            expected: "every dimension must equal the target or be 1")
        }
        let out = view(shape: newShape, strides: Shape.broadcastStrides(shape: shape, strides: strides, to: newShape),
                       offset: offset)
        let original = shape
        return try Tensor.record("expand", inputs: [self], output: out) { g in [try g.sumToShape(original)] }
    }

    /// Inserts a dimension of size 1 at `axis`.
    public func unsqueezed(_ axis: Int) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank + 1, op: "unsqueeze")
        var s = shape
        s.insert(1, at: a)
        return try reshaped(s)
    }

    /// Removes dimensions of size 1 (only `axis` if given).
    public func squeezed(_ axis: Int? = nil) throws -> Tensor {
        if let axis {
            let a = try Shape.axis(axis, rank: rank, op: "squeeze")
            guard shape[a] == 1 else {
                throw TensorError.invalidShape(op: "squeeze", shape: shape, reason: "axis \(axis) has size \(shape[a]), not 1")
            }
            var s = shape
            s.remove(at: a)
            return try reshaped(s)
        }
        return try reshaped(shape.filter { $0 != 1 })
    }

    /// Collapses dimensions `startAxis...` into one (e.g. [N, C, H, W] → [N, C·H·W]).
    public func flattened(from startAxis: Int = 1) throws -> Tensor {
        let a = try Shape.axis(startAxis, rank: rank, op: "flatten")
        return try reshaped(Array(shape[..<a]) + [shape[a...].reduce(1, *)])
    }

    /// This tensor if its elements are dense and row-major, otherwise a contiguous copy.
    public func contiguous() throws -> Tensor {
        if isContiguous { return self }
        return try Tensor.record("contiguous", inputs: [self], output: StridedCopy.copy(self)) { g in [g] }
    }

    /// Converts to another element type (float ↔ float is differentiable; to int64 truncates).
    public func to(_ target: DType) throws -> Tensor {
        if target == dtype { return self }
        let src = contiguousStorage()
        defer { withExtendedLifetime(src) {} }  // raw pointers below outlive its last use
        let out = Tensor(shape: shape, dtype: target, zeroed: false)
        let n = count
        func convert<S, D>(_ s: UnsafeMutablePointer<S>, _ d: UnsafeMutablePointer<D>, _ f: (S) -> D) {
            for i in 0..<n { d[i] = f(s[i]) }
        }
        switch (dtype, target) {
        case (.float32, .float64): convert(src.base(Float.self), out.base(Double.self)) { Double($0) }
        case (.float64, .float32): convert(src.base(Double.self), out.base(Float.self)) { Float($0) }
        case (.int64, .float32): convert(src.base(Int.self), out.base(Float.self)) { Float($0) }
        case (.int64, .float64): convert(src.base(Int.self), out.base(Double.self)) { Double($0) }
        case (.float32, .int64):
            guard src.floats().allSatisfy({ $0.isFinite }) else {
                throw TensorError.invalidArgument(op: "to(int64)", reason: "the tensor holds NaN or infinite values")
            }
            convert(src.base(Float.self), out.base(Int.self)) { Int($0) }
        case (.float64, .int64):
            guard src.doubles().allSatisfy({ $0.isFinite }) else {
                throw TensorError.invalidArgument(op: "to(int64)", reason: "the tensor holds NaN or infinite values")
            }
            convert(src.base(Double.self), out.base(Int.self)) { Int($0) }
        default: break
        }
        let source = dtype
        return try Tensor.record("to", inputs: [self], output: out, differentiable: target.isFloatingPoint) { g in
            [try g.to(source)]
        }
    }
}
