#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// Dot products of one Q8_0 weight row with an activation row, read straight from GGML blocks
/// (the layout in ``GGMLBlock``; block b of a row starts at b·stride bytes). The 4-bit types
/// have their own kernels in C (`loupe_q4_rows`); a C Q8_0 kernel (two rows per pass, with or
/// without prefetching) measured 10-15% slower than this one-row loop, so it stays in Swift.
///
/// On x86-64 the codes multiply int16 activations (``QuantizedActivation``) with
/// AVX2's `vpmaddwd`: 32 products per block in a few instructions, exact in 32-bit integers,
/// then one FMA with the two scales (measured 1.3× the speed of converting the codes to float).
/// Elsewhere a portable SIMD loop converts the codes to float and multiplies float activations.
/// Rows are processed two blocks at a time into two accumulators, so no FMA waits on the last.
enum QuantizedDot {
    /// Q8_0 row (``GGMLBlock/Q8_0``: w = d·q) · x.
    @inline(__always)
    static func q8_0(_ row: UnsafeRawPointer, _ x: QuantizedActivation, blocks: Int, _ half: UnsafePointer<Float>) -> Float {
        typealias L = GGMLBlock.Q8_0
        func scale(_ b: Int) -> Float { half[Int(row.loadUnaligned(fromByteOffset: b * L.bytes + L.scale, as: UInt16.self))] }
        #if arch(x86_64)
        var acc0 = _mm256_setzero_ps(), acc1 = acc0
        @inline(__always) func block(_ b: Int, _ acc: inout __m256) {
            let w = UnsafeRawPointer(row + b * L.bytes + L.codes), y = UnsafeRawPointer(x.values + 32 * b)
            let w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(w.assumingMemoryBound(to: __m128i.self)))
            let w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((w + 16).assumingMemoryBound(to: __m128i.self)))
            let dot = _mm256_add_epi32(_mm256_madd_epi16(w0, _mm256_loadu_si256(y.assumingMemoryBound(to: __m256i.self))),
                                       _mm256_madd_epi16(w1, _mm256_loadu_si256((y + 32).assumingMemoryBound(to: __m256i.self))))
            acc = _mm256_fmadd_ps(_mm256_set1_ps(scale(b) * x.scales[b]), _mm256_cvtepi32_ps(dot), acc)
        }
        var b = 0
        while b + 1 < blocks { block(b, &acc0); block(b + 1, &acc1); b += 2 }
        if b < blocks { block(b, &acc0) }
        return (acc0 + acc1).sum()
        #else
        let xv = UnsafeRawPointer(x.floats)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        for b in 0..<blocks {
            let p = row + b * L.bytes
            var t = floats(p.loadUnaligned(fromByteOffset: L.codes, as: SIMD16<Int8>.self)) * load(xv, b * 128)
            t = t.addingProduct(floats(p.loadUnaligned(fromByteOffset: L.codes + 16, as: SIMD16<Int8>.self)), load(xv, b * 128 + 64))
            if b & 1 == 0 { acc0 = acc0.addingProduct(SIMD16(repeating: scale(b)), t) } else { acc1 = acc1.addingProduct(SIMD16(repeating: scale(b)), t) }
        }
        return (acc0 + acc1).sum()
        #endif
    }

    @inline(__always)
    static func load(_ x: UnsafeRawPointer, _ offset: Int) -> SIMD16<Float> {
        x.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
    }

    // Element-wise loops, not SIMD16<Float>(SIMD16<UInt8>): the generic initializers compile to
    // calls, while these loops become one vpmovzxbd/vpmovsxbd + vcvtdq2ps each.
    @inline(__always)
    static func floats(_ q: SIMD16<Int8>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(q[i]) }
        return r
    }
}

