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
                            let src = plane + iy * g.w
                            for ox in 0..<ow {
                                let ix = ox * g.sw + kj - g.pw
                                dst[ox] = (ix >= 0 && ix < g.w) ? src[ix] : 0
                            }
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
                                    let dst = plane + iy * g.w
                                    for ox in 0..<ow {
                                        let ix = ox * g.sw + kj - g.pw
                                        if ix >= 0 && ix < g.w { dst[ix] += src[ox] }
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
