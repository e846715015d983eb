import Foundation
import LoupeCore

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

    /// gate[i] = silu(gate[i]) · up[i] (SwiGLU), 16 lanes at a time with the engine's vector e^x
    /// (`expf` one value at a time was ~5% of a generated token: 46,080 calls).
    @inline(__always)
    static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        var i = 0
        while i + 16 <= count {
            let x = g.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            let y = x / (1 + Float.vexp(-x)) * u.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            g.storeBytes(of: y, toByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            let x = gate[i]
            gate[i] = x / (1 + Float.vexp(SIMD16(repeating: -x))[0]) * up[i]
            i += 1
        }
    }

    /// In-place softmax of `count` values; returns nothing (the row sums to 1). Vector max, e^x
    /// and sums (an attention row at a 1,024-token context is 1,024 exps, 270 rows per token).
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        typealias V = SIMD16<Float>
        let p = UnsafeMutableRawPointer(x)
        let vectors = count / 16
        var vmax = V(repeating: -.infinity)
        // .replacing(with:where:) compiles to vmaxps; pointwiseMax would not (PERFORMANCE-NOTES).
        for j in 0..<vectors {
            let v = p.loadUnaligned(fromByteOffset: 64 * j, as: V.self)
            vmax = vmax.replacing(with: v, where: v .> vmax)
        }
        var m = vmax.max()
        for i in (vectors * 16)..<count { m = Swift.max(m, x[i]) }
        let vm = V(repeating: m)
        var vsum = V()
        for j in 0..<vectors {
            let e = Float.vexp(p.loadUnaligned(fromByteOffset: 64 * j, as: V.self) - vm)
            p.storeBytes(of: e, toByteOffset: 64 * j, as: V.self)
            vsum += e
        }
        var sum = vsum.sum()
        for i in (vectors * 16)..<count {
            let e = Float.vexp(V(repeating: x[i] - m))[0]
            x[i] = e
            sum += e
        }
        let inv = V(repeating: 1 / sum)
        for j in 0..<vectors {
            p.storeBytes(of: p.loadUnaligned(fromByteOffset: 64 * j, as: V.self) * inv, toByteOffset: 64 * j, as: V.self)
        }
        for i in (vectors * 16)..<count { x[i] *= inv[0] }
    }

}
