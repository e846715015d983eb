// One LSTM time step as one fused op, with its own backward. The composed form (an add, a split,
// three sigmoids, two tanh, three products and a sum, each with its backward) is eleven ops and
// as many passes over [B, 4H] or [B, H] per step; this is one pass forward and one backward.
// `Recurrent`'s tests keep the composed form as the reference the fused one is checked against.

enum LSTMCellKernel {
    /// For each row b: gates z = x[b] + r[b] (PyTorch's order i, f, g, o, each H wide),
    /// i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o), c' = f·c + i·g, h' = o·tanh(c').
    /// Writes h' to `out[b]`, c' to `out[B + b]` ([2, B, H]) and i, f, g, o, tanh(c') to
    /// `saved[b]` ([B, 5H]) for backward.
    static func forward<T: TensorScalar>(_ x: UnsafePointer<T>, xRowStride: Int, _ r: UnsafePointer<T>, rRowStride: Int,
                                         _ c: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ saved: UnsafeMutablePointer<T>,
                                         batch: Int, hidden h: Int) {
        Parallel.forChunks(batch, costPerItem: h * 40) { range in
            for b in range {
                let xb = x + b * xRowStride, rb = r + b * rRowStride, cb = c + b * h
                let hOut = out + b * h, cOut = out + (batch + b) * h, s = saved + b * 5 * h
                var j = 0
                // [16 lanes of each gate]
                while j + 16 <= h {
                    let zi = load16(xb + j) + load16(rb + j), zf = load16(xb + h + j) + load16(rb + h + j)
                    let zg = load16(xb + 2 * h + j) + load16(rb + 2 * h + j), zo = load16(xb + 3 * h + j) + load16(rb + 3 * h + j)
                    let i = 1 / (1 + T.vexp(-zi)), f = 1 / (1 + T.vexp(-zf)), g = T.vtanh(zg), o = 1 / (1 + T.vexp(-zo))
                    let cNew = f * load16(cb + j) + i * g
                    let tc = T.vtanh(cNew)
                    store16(o * tc, hOut + j)
                    store16(cNew, cOut + j)
                    store16(i, s + j); store16(f, s + h + j); store16(g, s + 2 * h + j); store16(o, s + 3 * h + j)
                    store16(tc, s + 4 * h + j)
                    j += 16
                }
                // The tail, one lane at a time through the same vector functions.
                while j < h {
                    let zi = SIMD16<T>(repeating: xb[j] + rb[j]), zf = SIMD16<T>(repeating: xb[h + j] + rb[h + j])
                    let zg = SIMD16<T>(repeating: xb[2 * h + j] + rb[2 * h + j]), zo = SIMD16<T>(repeating: xb[3 * h + j] + rb[3 * h + j])
                    let i = (1 / (1 + T.vexp(-zi)))[0], f = (1 / (1 + T.vexp(-zf)))[0], g = T.vtanh(zg)[0], o = (1 / (1 + T.vexp(-zo)))[0]
                    let cNew = f * cb[j] + i * g
                    let tc = T.vtanh(SIMD16<T>(repeating: cNew))[0]
                    hOut[j] = o * tc
                    cOut[j] = cNew
                    s[j] = i; s[h + j] = f; s[2 * h + j] = g; s[3 * h + j] = o; s[4 * h + j] = tc
                    j += 1
                }
            }
        }
    }

    /// From the gradient `grad` of [h', c'] ([2, B, H]): the gate pre-activations' gradient
    /// `dz` ([B, 4H]) and the previous memory's `dc` ([B, H]).
    ///   dc' = g_c + g_h·o·(1 − tanh²c'),  dz_o = g_h·tanh c'·o(1 − o),  dz_i = dc'·g·i(1 − i),
    ///   dz_f = dc'·c·f(1 − f),  dz_g = dc'·i·(1 − g²),  dc = dc'·f.
    static func backward<T: TensorScalar>(_ grad: UnsafePointer<T>, _ saved: UnsafePointer<T>, _ c: UnsafePointer<T>,
                                          _ dz: UnsafeMutablePointer<T>, _ dc: UnsafeMutablePointer<T>, batch: Int, hidden h: Int) {
        Parallel.forChunks(batch, costPerItem: h * 30) { range in
            for b in range {
                let gh = grad + b * h, gc = grad + (batch + b) * h, s = saved + b * 5 * h, cb = c + b * h
                let dzb = dz + b * 4 * h, dcb = dc + b * h
                var j = 0
                while j + 16 <= h {
                    let i = load16(s + j), f = load16(s + h + j), g = load16(s + 2 * h + j), o = load16(s + 3 * h + j)
                    let tc = load16(s + 4 * h + j), ghj = load16(gh + j)
                    let dcNew = load16(gc + j) + ghj * o * (1 - tc * tc)
                    store16(dcNew * g * i * (1 - i), dzb + j)
                    store16(dcNew * load16(cb + j) * f * (1 - f), dzb + h + j)
                    store16(dcNew * i * (1 - g * g), dzb + 2 * h + j)
                    store16(ghj * tc * o * (1 - o), dzb + 3 * h + j)
                    store16(dcNew * f, dcb + j)
                    j += 16
                }
                while j < h {
                    let i = s[j], f = s[h + j], g = s[2 * h + j], o = s[3 * h + j], tc = s[4 * h + j], ghj = gh[j]
                    let dcNew = gc[j] + ghj * o * (1 - tc * tc)
                    dzb[j] = dcNew * g * i * (1 - i)
                    dzb[h + j] = dcNew * cb[j] * f * (1 - f)
                    dzb[2 * h + j] = dcNew * i * (1 - g * g)
                    dzb[3 * h + j] = ghj * tc * o * (1 - o)
                    dcb[j] = dcNew * f
                    j += 1
                }
            }
        }
    }
}

extension Tensor {
    /// One step of PyTorch's LSTM cell from its two gate projections, as one op (`lstm_cell`) with
    /// a fused backward: `inputGates` (W_ih·x + b_ih) and `recurrentGates` (W_hh·h + b_hh) are
    /// [B, 4H] in the order i, f, g, o (`inputGates` may be a row-strided view, such as one time
    /// step of a [B, T, 4H] projection), `memory` the previous cell state c [B, H].
    /// Returns the new hidden state h' = o·tanh(c') and memory c' = f·c + i·g, both [B, H].
    public static func lstmCell(inputGates: Tensor, recurrentGates: Tensor, memory: Tensor) throws -> (hidden: Tensor, memory: Tensor) {
        let dtype = memory.dtype
        guard dtype.isFloatingPoint, inputGates.dtype == dtype, recurrentGates.dtype == dtype else {
            throw TensorError.dtypeMismatch(op: "lstm_cell", got: inputGates.dtype, expected: "float32 or float64 gates and memory of one dtype")
        }
        guard memory.rank == 2, memory.shape[1] > 0 else {
            throw TensorError.invalidShape(op: "lstm_cell", shape: memory.shape, reason: "expected the memory [batch, hidden]")
        }
        let batch = memory.shape[0], h = memory.shape[1]
        for gates in [inputGates, recurrentGates] where gates.shape.filter({ $0 != 1 }) != [batch, 4 * h].filter({ $0 != 1 }) || gates.count != batch * 4 * h {
            throw TensorError.shapeMismatch(op: "lstm_cell", lhs: gates.shape, rhs: memory.shape,
                                            expected: "gates [\(batch), \(4 * h)] (i, f, g, o) for the memory [\(batch), \(h)]")
        }
        let (x, xStride) = rowView(inputGates, width: 4 * h), (r, rStride) = rowView(recurrentGates, width: 4 * h)
        let c = memory.contiguousStorage()
        defer { withExtendedLifetime((x, r, c)) {} }  // raw pointers below outlive their last use
        let out = Tensor(shape: [2, batch, h], dtype: dtype, zeroed: false)
        let saved = Tensor(shape: [batch, 5 * h], dtype: dtype, zeroed: false)
        switch dtype {
        case .float32:
            LSTMCellKernel.forward(x.base(Float.self), xRowStride: xStride, r.base(Float.self), rRowStride: rStride, c.base(Float.self),
                                   out.base(Float.self), saved.base(Float.self), batch: batch, hidden: h)
        default:
            LSTMCellKernel.forward(x.base(Double.self), xRowStride: xStride, r.base(Double.self), rRowStride: rStride, c.base(Double.self),
                                   out.base(Double.self), saved.base(Double.self), batch: batch, hidden: h)
        }
        let xShape = inputGates.shape, rShape = recurrentGates.shape
        let both = try Tensor.record("lstm_cell", inputs: [inputGates, recurrentGates, memory], output: out) { grad in
            let g = grad.contiguousStorage()
            defer { withExtendedLifetime((g, saved, c)) {} }
            let dz = Tensor(shape: [batch, 4 * h], dtype: grad.dtype, zeroed: false)
            let dc = Tensor(shape: [batch, h], dtype: grad.dtype, zeroed: false)
            switch grad.dtype {
            case .float32:
                LSTMCellKernel.backward(g.base(Float.self), saved.base(Float.self), c.base(Float.self), dz.base(Float.self), dc.base(Float.self), batch: batch, hidden: h)
            default:
                LSTMCellKernel.backward(g.base(Double.self), saved.base(Double.self), c.base(Double.self), dz.base(Double.self), dc.base(Double.self), batch: batch, hidden: h)
            }
            // Both projections were added into the same pre-activations: each gets dz.
            return [xShape == dz.shape ? dz : try dz.reshaped(xShape), rShape == dz.shape ? dz : try dz.reshaped(rShape), dc]
        }
        // Views, not copies: h' is [0] and c' is [1] of the op's [2, B, H] output.
        return (try both.slice(axis: 0, 0, 1).reshaped([batch, h]), try both.slice(axis: 0, 1, 2).reshaped([batch, h]))
    }

    /// `t`'s storage as `rows` rows of `width` contiguous elements at a fixed row stride: `t` itself
    /// when its size-1 dimensions aside it is such a matrix (a time step sliced from [B, T, 4H]),
    /// else a contiguous copy.
    private static func rowView(_ t: Tensor, width: Int) -> (Tensor, rowStride: Int) {
        let dims = t.shape.indices.filter { t.shape[$0] != 1 }
        if let last = dims.last, t.shape[last] == width, t.strides[last] == 1 {
            if dims.count == 1 { return (t, width) }
            if dims.count == 2 { return (t, t.strides[dims[0]]) }
        }
        return (t.contiguousStorage(), width)
    }
}
