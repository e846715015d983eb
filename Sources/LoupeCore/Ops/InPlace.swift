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

/// Adam's settings for one step of ``Tensor/adamStep(gradient:exponentialAverage:squaredAverage:_:)``.
public struct AdamStepSettings: Sendable {
    public var lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double, decoupled: Bool
    /// 1 − β₁ᵗ and 1 − β₂ᵗ.
    public var correction1: Double, correction2: Double

    public init(lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double, decoupled: Bool, correction1: Double, correction2: Double) {
        (self.lr, self.beta1, self.beta2, self.eps, self.weightDecay, self.decoupled) = (lr, beta1, beta2, eps, weightDecay, decoupled)
        (self.correction1, self.correction2) = (correction1, correction2)
    }
}

enum AdamKernel {
    /// One pass over a parameter: weight decay, both moving averages, and the update
    /// w ← w − (lr/c₁) · m / (√v/√c₂ + ε), the order of operations of the composed form it replaced.
    static func run<T: TensorScalar>(_ w: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
                                     count: Int, _ s: AdamStepSettings) {
        let (b1, ob1, b2, ob2) = (T(s.beta1), T(1 - s.beta1), T(s.beta2), T(1 - s.beta2))
        let (rc2, eps, step) = (T(s.correction2.squareRoot()), T(s.eps), T(-s.lr / s.correction1))
        let shrink = T(1 - s.lr * s.weightDecay), decay = T(s.weightDecay)
        let (decoupled, coupled) = (s.decoupled && s.weightDecay != 0, !s.decoupled && s.weightDecay != 0)
        Parallel.forChunks(count, costPerItem: 8) { range in
            var i = range.lowerBound
            let end = range.upperBound
            @inline(__always) func lane(_ j: Int) {
                var gj = g[j]
                if decoupled { w[j] = w[j] * shrink }
                if coupled { gj = gj + w[j] * decay }
                m[j] = m[j] * b1 + gj * ob1
                v[j] = v[j] * b2 + gj * gj * ob2
                w[j] = w[j] + step * (m[j] / (v[j].squareRoot() / rc2 + eps))
            }
            while i + 16 <= end {
                var gv = load16(g + i), wv = load16(UnsafePointer(w + i))
                if decoupled { wv = wv * SIMD16(repeating: shrink) }
                if coupled { gv = gv + wv * SIMD16(repeating: decay) }
                let mv = load16(UnsafePointer(m + i)) * SIMD16(repeating: b1) + gv * SIMD16(repeating: ob1)
                let vv = load16(UnsafePointer(v + i)) * SIMD16(repeating: b2) + gv * gv * SIMD16(repeating: ob2)
                store16(mv, m + i)
                store16(vv, v + i)
                store16(wv + SIMD16(repeating: step) * (mv / (vv.squareRoot() / SIMD16(repeating: rc2) + SIMD16(repeating: eps))), w + i)
                i += 16
            }
            while i < end { lane(i); i += 1 }
        }
    }
}

extension Tensor {
    /// One Adam (or AdamW) step on this parameter in place, with its moving averages `m` and `v`
    /// (contiguous, this tensor's shape and dtype), in one fused pass instead of a dozen
    /// element-wise ops.
    public func adamStep(gradient: Tensor, exponentialAverage m: Tensor, squaredAverage v: Tensor, _ settings: AdamStepSettings) throws {
        for other in [gradient, m, v] { try checkInPlace(other, "adam_step") }
        guard gradient.shape == shape, m.shape == shape, v.shape == shape, m.isContiguous, v.isContiguous else {
            throw TensorError.shapeMismatch(op: "adam_step", lhs: shape, rhs: gradient.shape, expected: "gradient and moments of the parameter's shape")
        }
        let g = gradient.contiguousStorage()
        defer { withExtendedLifetime(g) {} }
        switch dtype {
        case .float32: AdamKernel.run(base(Float.self), g.base(Float.self), m.base(Float.self), v.base(Float.self), count: count, settings)
        default: AdamKernel.run(base(Double.self), g.base(Double.self), m.base(Double.self), v.base(Double.self), count: count, settings)
        }
    }
}
