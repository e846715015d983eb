/// The geometry of a 2-D convolution or pooling window over NCHW input.
struct ConvGeometry {
    let n, c, h, w: Int
    let kh, kw, sh, sw, ph, pw: Int
    var oh: Int { (h + 2 * ph - kh) / sh + 1 }
    var ow: Int { (w + 2 * pw - kw) / sw + 1 }
    /// Rows of the column matrix: one per (channel, kernel row, kernel column).
    var patch: Int { c * kh * kw }
    /// Columns of the column matrix: one per (image, output row, output column).
    var positions: Int { n * oh * ow }
}

/// The output columns `ox` whose input column `ox·stride + offset` lies inside `0..<width`.
@inline(__always)
func validColumns(offset: Int, stride: Int, width: Int, outputs: Int) -> Range<Int> {
    // ox·stride + offset ≥ 0  ⇔  ox ≥ ceil(−offset / stride); < width ⇔ ox ≤ (width − 1 − offset) / stride.
    let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let hiInclusive = width - 1 - offset < 0 ? -1 : (width - 1 - offset) / stride
    let hi = Swift.min(outputs, hiInclusive + 1)
    return lo < hi ? lo..<hi : 0..<0
}

/// im2col / col2im: unroll the input's windows into a [C·KH·KW, N·OH·OW] matrix so a convolution
/// is one GEMM, and fold a gradient of that matrix back (adding overlaps) for the backward pass.
enum Im2col {
    // x: [N, C, H, W] → cols: [C·KH·KW, N·OH·OW]
    static func unfold<T: TensorScalar>(_ x: UnsafePointer<T>, _ cols: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
        let oh = g.oh, ow = g.ow, positions = g.positions
        Parallel.forChunks(g.patch, costPerItem: positions) { rows in
            for row in rows {
                let c = row / (g.kh * g.kw), ki = (row / g.kw) % g.kh, kj = row % g.kw
                var dst = cols + row * positions
                for img in 0..<g.n {
                    let plane = x + (img * g.c + c) * g.h * g.w
                    for oy in 0..<oh {
                        let iy = oy * g.sh + ki - g.ph
                        if iy < 0 || iy >= g.h {
                            dst.update(repeating: 0, count: ow)
                        } else {
                            // Zero the padding margins, copy the valid middle (contiguous for stride 1).
                            let src = plane + iy * g.w + kj - g.pw
                            let valid = validColumns(offset: kj - g.pw, stride: g.sw, width: g.w, outputs: ow)
                            dst.update(repeating: 0, count: valid.lowerBound)
                            if g.sw == 1 {
                                (dst + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                            } else {
                                for ox in valid { dst[ox] = src[ox * g.sw] }
                            }
                            (dst + valid.upperBound).update(repeating: 0, count: ow - valid.upperBound)
                        }
                        dst += ow
                    }
                }
            }
        }
    }

    // cols: [C·KH·KW, N·OH·OW] → dx: [N, C, H, W] (overlapping windows add)
    static func fold<T: TensorScalar>(_ cols: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ g: ConvGeometry) {
        let oh = g.oh, ow = g.ow, positions = g.positions
        // Parallel over channels: each channel's planes are written by one thread only.
        Parallel.forChunks(g.c, costPerItem: g.kh * g.kw * positions) { channels in
            for c in channels {
                for ki in 0..<g.kh {
                    for kj in 0..<g.kw {
                        var src = cols + ((c * g.kh + ki) * g.kw + kj) * positions
                        for img in 0..<g.n {
                            let plane = dx + (img * g.c + c) * g.h * g.w
                            for oy in 0..<oh {
                                let iy = oy * g.sh + ki - g.ph
                                if iy >= 0 && iy < g.h {
                                    let dst = plane + iy * g.w + kj - g.pw
                                    let valid = validColumns(offset: kj - g.pw, stride: g.sw, width: g.w, outputs: ow)
                                    if g.sw == 1 {
                                        var ox = valid.lowerBound
                                        while ox + 16 <= valid.upperBound {
                                            store16(load16(dst + ox) + load16(src + ox), dst + ox)
                                            ox += 16
                                        }
                                        while ox < valid.upperBound { dst[ox] += src[ox]; ox += 1 }
                                    } else {
                                        for ox in valid { dst[ox * g.sw] += src[ox] }
                                    }
                                }
                                src += ow
                            }
                        }
                    }
                }
            }
        }
    }
}
