// In-place updates for optimizers and accumulators. They are not recorded: they may only touch
// tensors that no recorded graph still needs (leaves updated under no-grad, or fresh buffers).

extension Tensor {
    private func checkInPlace(_ other: Tensor, _ op: String) throws {
        guard GradMode.isEnabled == false || !requiresGrad || isLeaf else {
            throw TensorError.autograd("\(op): cannot modify a tensor that is part of a recorded graph")
        }
        guard other.dtype == dtype, dtype.isFloatingPoint else {
            throw TensorError.dtypeMismatch(op: op, got: other.dtype, expected: "\(dtype)")
        }
        guard try Shape.broadcast(shape, other.shape, op: op) == shape else {
            throw TensorError.shapeMismatch(op: op, lhs: shape, rhs: other.shape,
                                            expected: "the right side must broadcast to the left's shape")
        }
        guard isContiguous else {
            throw TensorError.invalidArgument(op: op, reason: "in-place updates need a contiguous tensor, got strides \(strides)")
        }
    }

    /// `self += alpha · other` in place (other broadcasts to self's shape).
    public func addInPlace(_ other: Tensor, scaledBy alpha: Double = 1) throws {
        try checkInPlace(other, "add_")
        guard other.shape == shape && other.isContiguous else {
            // Transposed or broadcast right-hand sides are read in place, never copied first.
            let expanded = other.shape == shape ? other : try GradMode.withoutGrad { try other.expanded(to: shape) }
            StridedAdd.run(into: self, expanded, alpha: alpha)
            return
        }
        switch dtype {
        case .float32: Tensor.axpy(Float(alpha), other.base(Float.self), base(Float.self), count)
        default: Tensor.axpy(alpha, other.base(Double.self), base(Double.self), count)
        }
    }

    /// y += alpha · x over `n` contiguous elements.
    private static func axpy<T: TensorScalar>(_ alpha: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        let va = SIMD16<T>(repeating: alpha)
        Parallel.forChunks(n) { r in
            var i = r.lowerBound
            while i + 16 <= r.upperBound { store16(load16(y + i).addingProduct(va, load16(x + i)), y + i); i += 16 }
            while i < r.upperBound { y[i] += alpha * x[i]; i += 1 }
        }
    }

    /// Overwrites the elements with `other`'s (other broadcasts to self's shape).
    public func assign(_ other: Tensor) throws {
        try checkInPlace(other, "assign")
        StridedCopy.copy(try GradMode.withoutGrad { try other.expanded(to: shape) }, into: self)
    }
}
