// Matrix products through BLAS (cblas_sgemm / cblas_dgemm). Transposed views are passed to BLAS
// as transposes, so `x.matmul(w.transposed())` and every backward product copy nothing.

extension Tensor {
    /// Matrix product with PyTorch's rules: [M, K]·[K, N] → [M, N]; leading batch dimensions
    /// broadcast ([B, M, K]·[K, N], [B, M, K]·[B, K, N], ...); a 1-D operand is a row/column vector.
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard dtype == other.dtype, dtype.isFloatingPoint else {
            throw TensorError.dtypeMismatch(op: "matmul", got: other.dtype, expected: "\(dtype) float operands on both sides")
        }
        guard rank >= 1, other.rank >= 1 else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: shape, rhs: other.shape, expected: "operands of rank ≥ 1")
        }
        if rank == 1 { return try unsqueezed(0).matmul(other).squeezed(-2) }
        if other.rank == 1 { return try matmul(other.unsqueezed(1)).squeezed(-1) }
        let m = shape[rank - 2], k = shape[rank - 1], k2 = other.shape[other.rank - 2], n = other.shape[other.rank - 1]
        guard k == k2 else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: shape, rhs: other.shape,
                                            expected: "the last dimension of the left (\(k)) must equal the second-to-last of the right (\(k2))")
        }
        let batch = try Shape.broadcast(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)), op: "matmul")
        let out = Tensor(shape: batch + [m, n], dtype: dtype, zeroed: k == 0)
        if k > 0 {
            switch dtype {
            case .float32: Tensor.batchedGemm(self, other, out, batch: batch, m: m, n: n, k: k, Float.self)
            default: Tensor.batchedGemm(self, other, out, batch: batch, m: m, n: n, k: k, Double.self)
            }
        }
        return try Tensor.record("matmul", inputs: [self, other], output: out) { [self] g in
            let gradOther: Tensor?
            if !other.requiresGrad {
                gradOther = nil
            } else if other.rank == 2 && rank >= 2 {
                // A weight shared across the batch: one GEMM over all rows instead of B products and a sum.
                let rows = try self.reshaped([-1, k]), grads = try g.reshaped([-1, n])
                if other.gradFn != nil {
                    // Usually a transposed weight (x · Wᵀ) reused at many steps: leave the product to
                    // the accumulator, which sums all steps' contributions in one GEMM.
                    gradOther = Tensor.deferredGradient(leftRows: rows, right: grads, shape: other.shape)
                } else {
                    gradOther = try rows.transposed().matmul(grads)
                }
            } else {
                gradOther = try self.transposed().matmul(g).sumToShape(other.shape)
            }
            return [requiresGrad ? try g.matmul(other.transposed()).sumToShape(shape) : nil, gradOther]
        }
    }

    private static func batchedGemm<T: TensorScalar>(_ a: Tensor, _ b: Tensor, _ out: Tensor, batch: [Int],
                                                     m: Int, n: Int, k: Int, _: T.Type) {
        // Fold a batch of row-major left matrices into one tall GEMM when the right side is shared.
        if b.rank == 2, a.rank > 2, let la = Gemm.layout(of: a), !la.transposed, a.isContiguous, let lb = Gemm.layout(of: b) {
            let rows = a.count / k
            Gemm.run(MatrixOperand(pointer: a.base(T.self), transposed: false, leadingDimension: la.ld),
                     MatrixOperand(pointer: b.base(T.self), transposed: lb.transposed, leadingDimension: lb.ld),
                     out.base(T.self), m: rows, n: n, k: k)
            return
        }
        let aa = Gemm.layout(of: a) == nil ? StridedCopy.copy(a) : a
        let bb = Gemm.layout(of: b) == nil ? StridedCopy.copy(b) : b
        defer { withExtendedLifetime((aa, bb)) {} }  // BLAS reads through raw pointers into these
        let la = Gemm.layout(of: aa)!, lb = Gemm.layout(of: bb)!
        let aBatch = Shape.broadcastStrides(shape: Array(aa.shape.dropLast(2)), strides: Array(aa.strides.dropLast(2)), to: batch)
        let bBatch = Shape.broadcastStrides(shape: Array(bb.shape.dropLast(2)), strides: Array(bb.strides.dropLast(2)), to: batch)
        let count = batch.reduce(1, *)
        let pa = aa.base(T.self), pb = bb.base(T.self), pc = out.base(T.self)
        func product(_ i: Int) {
            var rem = i, offA = 0, offB = 0
            for d in stride(from: batch.count - 1, through: 0, by: -1) {
                let idx = rem % batch[d]
                rem /= batch[d]
                offA += idx * aBatch[d]
                offB += idx * bBatch[d]
            }
            Gemm.run(MatrixOperand(pointer: pa + offA, transposed: la.transposed, leadingDimension: la.ld),
                     MatrixOperand(pointer: pb + offB, transposed: lb.transposed, leadingDimension: lb.ld),
                     pc + i * m * n, m: m, n: n, k: k)
        }
        // Sequential: `Gemm.run` splits each large product across the threads itself.
        for i in 0..<count { product(i) }
    }
}
