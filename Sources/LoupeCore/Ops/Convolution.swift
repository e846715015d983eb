// 2-D convolution (cross-correlation, as in PyTorch) over NCHW tensors via im2col + one GEMM.

extension Tensor {
    /// Convolves this [N, C, H, W] input with `weight` [OC, C, KH, KW] (+ `bias` [OC]).
    ///
    /// Output: [N, OC, OH, OW] with OH = (H + 2·padding − KH) / stride + 1 (likewise OW).
    public func conv2d(weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) throws -> Tensor {
        try conv2d(weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding))
    }

    /// Convolution with separate vertical and horizontal stride and padding.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int)) throws -> Tensor {
        guard rank == 4 else {
            throw TensorError.invalidShape(op: "conv2d", shape: shape, reason: "the input must be [N, C, H, W]")
        }
        guard weight.rank == 4, weight.shape[1] == shape[1] else {
            throw TensorError.shapeMismatch(op: "conv2d", lhs: shape, rhs: weight.shape,
                                            expected: "a weight [OC, C, KH, KW] whose C (\(weight.rank == 4 ? weight.shape[1] : -1)) equals the input's channels (\(shape[1]))")
        }
        guard dtype == weight.dtype, dtype.isFloatingPoint, bias.map({ $0.dtype == dtype }) ?? true else {
            throw TensorError.dtypeMismatch(op: "conv2d", got: weight.dtype, expected: "\(dtype) for input, weight and bias")
        }
        let oc = weight.shape[0]
        if let bias, bias.shape != [oc] {
            throw TensorError.shapeMismatch(op: "conv2d", lhs: weight.shape, rhs: bias.shape, expected: "a bias of shape [\(oc)]")
        }
        guard stride.0 >= 1, stride.1 >= 1, padding.0 >= 0, padding.1 >= 0 else {
            throw TensorError.invalidArgument(op: "conv2d", reason: "stride must be ≥ 1 and padding ≥ 0, got \(stride) and \(padding)")
        }
        let g = ConvGeometry(n: shape[0], c: shape[1], h: shape[2], w: shape[3], kh: weight.shape[2], kw: weight.shape[3],
                             sh: stride.0, sw: stride.1, ph: padding.0, pw: padding.1)
        guard g.h + 2 * g.ph >= g.kh, g.w + 2 * g.pw >= g.kw else {
            throw TensorError.shapeMismatch(op: "conv2d", lhs: shape, rhs: weight.shape,
                                            expected: "a kernel no larger than the padded input")
        }
        let x = contiguousStorage(), wt = weight.contiguousStorage()
        defer { withExtendedLifetime(x) {} }  // raw pointers below outlive its last use
        let cols = Tensor(shape: [g.patch, g.positions], dtype: dtype, zeroed: false)
        let out = Tensor(shape: [g.n, oc, g.oh, g.ow], dtype: dtype, zeroed: false)
        switch dtype {
        case .float32: Tensor.convForward(x, wt, bias, cols, out, g, Float.self)
        default: Tensor.convForward(x, wt, bias, cols, out, g, Double.self)
        }
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let inputShape = shape
        return try Tensor.record("conv2d", inputs: inputs, output: out) { [self] grad in
            // dOut [N, OC, L] → [OC, N·L], the layout of the forward GEMM's output.
            let l = g.oh * g.ow
            let dY = try grad.reshaped([g.n, oc, l]).permuted([1, 0, 2]).contiguous().reshaped([oc, g.positions])
            var grads: [Tensor?] = []
            if requiresGrad {
                let dCols = try wt.reshaped([oc, g.patch]).transposed().matmul(dY)
                defer { withExtendedLifetime(dCols) {} }  // raw pointers below outlive its last use
                let dx = Tensor.zeros(inputShape, dtype: grad.dtype)
                if grad.dtype == .float32 { Im2col.fold(dCols.base(Float.self), dx.base(Float.self), g) }
                else { Im2col.fold(dCols.base(Double.self), dx.base(Double.self), g) }
                grads.append(dx)
            } else {
                grads.append(nil)
            }
            grads.append(weight.requiresGrad ? try dY.matmul(cols.transposed()).reshaped(weight.shape) : nil)
            if let bias { grads.append(bias.requiresGrad ? try dY.sum(axes: [1]) : nil) }
            return grads
        }
    }

    private static func convForward<T: TensorScalar>(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ cols: Tensor,
                                                     _ out: Tensor, _ g: ConvGeometry, _: T.Type) {
        let oc = w.shape[0], l = g.oh * g.ow
        Im2col.unfold(x.base(T.self), cols.base(T.self), g)
        // [OC, C·KH·KW] · [C·KH·KW, N·L] → [OC, N·L], then scattered to [N, OC, L] with the bias.
        let tmp = Tensor(shape: [oc, g.positions], dtype: x.dtype, zeroed: false)
        defer { withExtendedLifetime(tmp) {} }  // raw pointers below outlive its last use
        Gemm.run(MatrixOperand(pointer: w.base(T.self), transposed: false, leadingDimension: g.patch),
                 MatrixOperand(pointer: cols.base(T.self), transposed: false, leadingDimension: g.positions),
                 tmp.base(T.self), m: oc, n: g.positions, k: g.patch)
        let b = bias?.contiguousStorage()
        defer { withExtendedLifetime(b) {} }  // raw pointers below outlive its last use
        let src = tmp.base(T.self), dst = out.base(T.self)
        Parallel.forChunks(oc, costPerItem: g.positions) { channels in
            for o in channels {
                let shift = b.map { $0.base(T.self)[o] } ?? 0
                for img in 0..<g.n {
                    let from = src + o * g.positions + img * l, to = dst + (img * oc + o) * l
                    for i in 0..<l { to[i] = from[i] + shift }
                }
            }
        }
    }
}
