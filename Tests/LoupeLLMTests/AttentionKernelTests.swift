import CLoupeKernels
import LoupeCore
import Testing

/// The attention kernels over a head-major cache: scores and the weighted sum of values against
/// double precision, the same bits on the AVX2 and portable paths, and each score independent of
/// how many keys share the call.
struct AttentionKernelTests {
    static func random(_ count: Int, _ rng: inout RandomGenerator) -> [Float] {
        (0..<count).map { _ in Float(Double(rng.next() % 20_001) / 10_000 - 1) }
    }

    /// The cache's half-precision bits of random values (the double-precision references below
    /// convert the same halves).
    static func halves(_ count: Int, _ rng: inout RandomGenerator) -> [UInt16] {
        random(count, &rng).map { Float16($0).bitPattern }
    }

    /// (scores, mix) on the path `isa` selects.
    static func run(isa: Int32, q: [Float], keys: [UInt16], values: [UInt16], p: [Float], n: Int, headDim: Int, stride: Int) -> ([Float], [Float]) {
        _ = loupe_i8_force_isa(isa)
        defer { _ = loupe_i8_force_isa(-1) }
        var scores = [Float](repeating: .nan, count: n), out = [Float](repeating: .nan, count: headDim)
        loupe_attention_scores(q, keys, stride, Int32(n), Int32(headDim), 0.125, &scores)
        loupe_attention_mix(p, values, stride, Int32(n), Int32(headDim), &out)
        return (scores, out)
    }

    @Test(arguments: [(1, 64), (5, 64), (37, 64), (130, 128), (9, 32)])
    func matchesDoublePrecisionOnEveryPath(n: Int, headDim: Int) {
        var rng = RandomGenerator(seed: UInt64(n * 1000 + headDim))
        let stride = headDim + 16   // rows wider than a head, as a cache row of several heads
        let q = Self.random(headDim, &rng), keys = Self.halves(n * stride, &rng), values = Self.halves(n * stride, &rng)
        let p = Self.random(n, &rng).map { abs($0) }
        let simd = Self.run(isa: 2, q: q, keys: keys, values: values, p: p, n: n, headDim: headDim, stride: stride)
        let portable = Self.run(isa: 0, q: q, keys: keys, values: values, p: p, n: n, headDim: headDim, stride: stride)
        #expect(simd.0 == portable.0, "scores differ between the SIMD and portable paths")
        #expect(simd.1 == portable.1, "weighted sums differ between the SIMD and portable paths")
        for j in 0..<n {
            var exact = 0.0
            for d in 0..<headDim { exact += Double(q[d]) * Double(Float16(bitPattern: keys[j * stride + d])) }
            #expect(abs(Double(simd.0[j]) - exact * 0.125) <= 1e-5 * Double(headDim), "score \(j)")
        }
        for d in 0..<headDim {
            var exact = 0.0
            for j in 0..<n { exact += Double(p[j]) * Double(Float16(bitPattern: values[j * stride + d])) }
            #expect(abs(Double(simd.1[d]) - exact) <= 1e-5 * Double(n), "value \(d)")
        }
        // A key's score is the same whether it is computed with its neighbours or alone.
        if n > 1 {
            let last = n - 1
            var alone: Float = .nan
            loupe_attention_scores(q, Array(keys[(last * stride)...]), stride, 1, Int32(headDim), 0.125, &alone)
            #expect(alone == simd.0[last])
        }
    }
}
