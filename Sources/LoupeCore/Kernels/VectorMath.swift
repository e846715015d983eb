/// Float32 transcendental functions on 16 lanes at a time.
///
/// A loop calling `expf` runs at ~1.6 GB/s; these polynomial forms (Cephes coefficients, FMA via
/// `addingProduct`) keep element-wise activations memory-bound. Accuracy is within a few ulp of libm
/// over the ranges that matter for activations; special values (±inf, NaN, 0) are handled explicitly.
@usableFromInline
enum VectorMath {
    @usableFromInline typealias V = SIMD16<Float>
    @usableFromInline typealias I = SIMD16<Int32>

    @usableFromInline @inline(__always)
    static func bits(_ x: V) -> I { unsafeBitCast(x, to: I.self) }
    @usableFromInline @inline(__always)
    static func float(_ x: I) -> V { unsafeBitCast(x, to: V.self) }

    /// e^x. Underflows to exactly 0 below -87.3 (so masked logits of -inf give 0) and overflows to +inf.
    /// Inlinable: other modules' kernels (the LLM runtime's) inline it like this module's.
    @usableFromInline @inline(__always)
    static func exp(_ x: V) -> V {
        let hi = V(repeating: 88.72283), lo = V(repeating: -87.33654)
        var v = x.replacing(with: hi, where: x .> hi)
        v = v.replacing(with: lo, where: v .< lo)
        // Round v*log2(e) to nearest with the 1.5·2^23 trick: no float→int conversion, NaN-safe.
        let magic = V(repeating: 12582912.0)
        let shifted = (v * 1.44269504088896341) + magic
        let n = shifted - magic
        var r = v.addingProduct(n, V(repeating: -0.693359375))
        r = r.addingProduct(n, V(repeating: 2.12194440e-4))
        var p = V(repeating: 1.9875691500E-4)
        p = V(repeating: 1.3981999507E-3).addingProduct(p, r)
        p = V(repeating: 8.3334519073E-3).addingProduct(p, r)
        p = V(repeating: 4.1665795894E-2).addingProduct(p, r)
        p = V(repeating: 1.6666665459E-1).addingProduct(p, r)
        p = V(repeating: 5.0000001201E-1).addingProduct(p, r)
        p = (r + 1).addingProduct(p, r * r)
        let k = bits(shifted) &- bits(magic)
        let scale = float((k &+ 127) &<< 23)
        var result = p * scale
        result = result.replacing(with: 0, where: x .< lo)
        result = result.replacing(with: .infinity, where: x .> hi)
        return result
    }

    /// Natural logarithm; log(0) = -inf, log(x<0) = NaN, log(inf) = inf.
    @inline(__always)
    static func log(_ x: V) -> V {
        // Subnormals are scaled up first so the exponent extraction below sees a normal number.
        let tiny = x .< V(repeating: .leastNormalMagnitude)
        let xs = x.replacing(with: x * 8388608.0, where: tiny)  // 2^23
        let b = bits(xs)
        var e = V(((b &>> 23) & 0xff) &- 126)
        e = e.replacing(with: e - 23, where: tiny)
        var m = float((b & 0x007f_ffff) | 0x3f00_0000)  // mantissa in [0.5, 1)
        let small = m .< V(repeating: 0.707106781186547524)
        e = e.replacing(with: e - 1, where: small)
        m = m.replacing(with: m + m, where: small) - 1
        let z = m * m
        var y = V(repeating: 7.0376836292E-2)
        y = V(repeating: -1.1514610310E-1).addingProduct(y, m)
        y = V(repeating: 1.1676998740E-1).addingProduct(y, m)
        y = V(repeating: -1.2420140846E-1).addingProduct(y, m)
        y = V(repeating: 1.4249322787E-1).addingProduct(y, m)
        y = V(repeating: -1.6668057665E-1).addingProduct(y, m)
        y = V(repeating: 2.0000714765E-1).addingProduct(y, m)
        y = V(repeating: -2.4999993993E-1).addingProduct(y, m)
        y = V(repeating: 3.3333331174E-1).addingProduct(y, m)
        y = y * m * z
        y = y.addingProduct(e, V(repeating: -2.12194440e-4))
        y = y.addingProduct(z, V(repeating: -0.5))
        var result = (m + y).addingProduct(e, V(repeating: 0.693359375))
        result = result.replacing(with: -.infinity, where: x .== V())
        result = result.replacing(with: .infinity, where: x .== V(repeating: .infinity))
        result = result.replacing(with: .nan, where: x .< V() .| (x .!= x))
        return result
    }

    /// tanh: an odd polynomial near 0 (relative accuracy), 1 - 2/(e^{2x}+1) elsewhere.
    @inline(__always)
    static func tanh(_ x: V) -> V {
        let z = x * x
        var p = V(repeating: -5.70498872745E-3)
        p = V(repeating: 2.06390887954E-2).addingProduct(p, z)
        p = V(repeating: -5.37397155531E-2).addingProduct(p, z)
        p = V(repeating: 1.33314422036E-1).addingProduct(p, z)
        p = V(repeating: -3.33332819422E-1).addingProduct(p, z)
        let near = x.addingProduct(p * z, x)
        let far = 1 - 2 / (exp(x + x) + 1)
        let absx = x.replacing(with: -x, where: x .< V())
        return far.replacing(with: near, where: absx .< V(repeating: 0.625))
    }

    /// erf as a rational function x·P(x²)/Q(x²) on [-4, 4] (outside it erf is ±1 in float32):
    /// the minimax coefficients used by Eigen and TensorFlow, a few ulp from libm, with no exp and
    /// no branches — GELU's cost is dominated by this function.
    @inline(__always)
    static func erf(_ x: V) -> V {
        let four = V(repeating: 4)
        var c = x.replacing(with: four, where: x .> four)
        c = c.replacing(with: -four, where: c .< -four)
        let z = c * c
        var p = V(repeating: -2.72614225801306e-10)
        p = V(repeating: 2.77068142495902e-08).addingProduct(p, z)
        p = V(repeating: -2.10102402082508e-06).addingProduct(p, z)
        p = V(repeating: -5.69250639462346e-05).addingProduct(p, z)
        p = V(repeating: -7.34990630326855e-04).addingProduct(p, z)
        p = V(repeating: -2.95459980854025e-03).addingProduct(p, z)
        p = V(repeating: -1.60960333262415e-02).addingProduct(p, z)
        var q = V(repeating: -1.45660718464996e-05)
        q = V(repeating: -2.13374055278905e-04).addingProduct(q, z)
        q = V(repeating: -1.68282697438203e-03).addingProduct(q, z)
        q = V(repeating: -7.37332916720468e-03).addingProduct(q, z)
        q = V(repeating: -1.42647390514189e-02).addingProduct(q, z)
        return c * p / q
    }
}
