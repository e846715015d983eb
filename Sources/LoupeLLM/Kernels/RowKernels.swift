import Foundation

/// The small per-row kernels of a transformer forward pass, on raw float32 buffers.
enum RowKernels {
    /// out[i] = x[i] / sqrt(mean(x²) + ε) · w[i], for one row of `count` values.
    @inline(__always)
    static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, epsilon: Float) {
        var acc = SIMD16<Float>()
        var i = 0
        let xv = UnsafeRawPointer(x)
        while i + 16 <= count {
            let v = xv.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            acc = acc.addingProduct(v, v)
            i += 16
        }
        var sum = acc.sum()
        while i < count { sum = sum.addingProduct(x[i], x[i]); i += 1 }
        let scale = 1 / (sum / Float(count) + epsilon).squareRoot()
        for j in 0..<count { out[j] = x[j] * scale * w[j] }
    }

    /// Rotates adjacent pairs (x[2i], x[2i+1]) of each of `heads` heads of `headDim` by the angles
    /// whose cosines and sines are `cos[i]`, `sin[i]` (GGUF's Llama Q and K are permuted for this
    /// "normal" pairing).
    @inline(__always)
    static func rope(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let half = headDim / 2
        for h in 0..<heads {
            let v = x + h * headDim
            for i in 0..<half {
                let a = v[2 * i], b = v[2 * i + 1]
                v[2 * i] = a * cos[i] - b * sin[i]
                v[2 * i + 1] = a * sin[i] + b * cos[i]
            }
        }
    }

    /// gate[i] = silu(gate[i]) · up[i] (SwiGLU).
    @inline(__always)
    static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + expf(-g)) * up[i]
        }
    }

    /// In-place softmax of `count` values; returns nothing (the row sums to 1).
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for i in 0..<count { m = Swift.max(m, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(x[i] - m)
            x[i] = e
            sum += e
        }
        let inv = 1 / sum
        for i in 0..<count { x[i] *= inv }
    }

}
