/// Dot products of one quantized weight row with a float32 vector, read straight from GGML blocks
/// (ggml-quants.c layouts). Each loop turns a block's 32 codes into two `SIMD16<Float>` and keeps
/// the per-block scale in a vector FMA, so a row costs one horizontal sum.
///
/// Why float activations rather than llama.cpp's int8 (Q8_1) ones: on this CPU the integer path
/// measured no faster from Swift (no VNNI instruction is reachable), and keeping x in float32 makes
/// the runtime agree with the float reference to rounding.
enum QuantizedDot {
    /// f16 → f32 for block scales.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    // Element-wise loops, not SIMD16<Float>(SIMD16<UInt8>): the generic initializers compile to
    // calls, while these loops become one vpmovzxbd/vpmovsxbd + vcvtdq2ps each.
    @inline(__always)
    static func floats(_ q: SIMD16<UInt8>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(q[i]) }
        return r
    }

    @inline(__always)
    static func floats(_ q: SIMD16<Int8>) -> SIMD16<Float> {
        var r = SIMD16<Float>()
        for i in 0..<16 { r[i] = Float(q[i]) }
        return r
    }

    @inline(__always)
    static func load(_ x: UnsafeRawPointer, _ offset: Int) -> SIMD16<Float> {
        x.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
    }

    /// Σ_b d_b·(Σ_j q_bj·x_bj) for 4-bit codes (Q4_0 and Q4_1 share the 16 bytes of nibbles:
    /// byte j holds code j in its low nibble and code j+16 in its high one). `stride` is the block
    /// size in bytes, `codes` the nibbles' offset inside a block. The additive part (Q4_1's m,
    /// Q4_0's −8d) is the caller's: it multiplies the block sums of x.
    @inline(__always)
    static func nibbleDot(_ row: UnsafeRawPointer, stride: Int, codes: Int, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        let xv = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var b = 0
        while b + 1 < blocks {
            let p0 = row + b * stride, p1 = p0 + stride
            let q0 = p0.loadUnaligned(fromByteOffset: codes, as: SIMD16<UInt8>.self)
            let q1 = p1.loadUnaligned(fromByteOffset: codes, as: SIMD16<UInt8>.self)
            var t0 = floats(q0 & 0x0F) * load(xv, b * 128)
            var t1 = floats(q1 & 0x0F) * load(xv, b * 128 + 128)
            t0 = t0.addingProduct(floats(q0 &>> 4), load(xv, b * 128 + 64))
            t1 = t1.addingProduct(floats(q1 &>> 4), load(xv, b * 128 + 192))
            acc0 = acc0.addingProduct(SIMD16(repeating: half(p0, 0)), t0)
            acc1 = acc1.addingProduct(SIMD16(repeating: half(p1, 0)), t1)
            b += 2
        }
        if b < blocks {
            let p = row + b * stride
            let q = p.loadUnaligned(fromByteOffset: codes, as: SIMD16<UInt8>.self)
            var t = floats(q & 0x0F) * load(xv, b * 128)
            t = t.addingProduct(floats(q &>> 4), load(xv, b * 128 + 64))
            acc0 = acc0.addingProduct(SIMD16(repeating: half(p, 0)), t)
        }
        return (acc0 + acc1).sum()
    }

    /// Q4_1 row (20-byte blocks: f16 d, f16 m, 16 bytes of nibbles; w = d·q + m) · x.
    /// `xSums[b]` = Σ x over block b.
    @inline(__always)
    static func q4_1(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ xSums: UnsafePointer<Float>, blocks: Int) -> Float {
        var offset: Float = 0
        for b in 0..<blocks { offset = offset.addingProduct(half(row, b * 20 + 2), xSums[b]) }
        return nibbleDot(row, stride: 20, codes: 4, x, blocks: blocks) + offset
    }

    /// Q4_0 row (18-byte blocks: f16 d, 16 bytes of nibbles; w = d·(q − 8)) · x.
    @inline(__always)
    static func q4_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, _ xSums: UnsafePointer<Float>, blocks: Int) -> Float {
        var offset: Float = 0
        for b in 0..<blocks { offset = offset.addingProduct(half(row, b * 18), xSums[b]) }
        return nibbleDot(row, stride: 18, codes: 2, x, blocks: blocks) - 8 * offset
    }

    /// Q8_0 row (34-byte blocks: f16 d, 32 signed bytes; w = d·q) · x.
    @inline(__always)
    static func q8_0(_ row: UnsafeRawPointer, _ x: UnsafePointer<Float>, blocks: Int) -> Float {
        let xv = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        for b in 0..<blocks {
            let p = row + b * 34
            let q0 = p.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self)
            let q1 = p.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self)
            var t = floats(q0) * load(xv, b * 128)
            t = t.addingProduct(floats(q1), load(xv, b * 128 + 64))
            if b & 1 == 0 {
                acc0 = acc0.addingProduct(SIMD16(repeating: half(p, 0)), t)
            } else {
                acc1 = acc1.addingProduct(SIMD16(repeating: half(p, 0)), t)
            }
        }
        return (acc0 + acc1).sum()
    }

    /// float32 row · x.
    @inline(__always)
    static func f32(_ row: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) -> Float {
        let r = UnsafeRawPointer(row), xv = UnsafeRawPointer(x)
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            acc0 = acc0.addingProduct(load(r, 4 * i), load(xv, 4 * i))
            acc1 = acc1.addingProduct(load(r, 4 * i + 64), load(xv, 4 * i + 64))
            i += 32
        }
        if i + 16 <= count {
            acc0 = acc0.addingProduct(load(r, 4 * i), load(xv, 4 * i))
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count { sum = sum.addingProduct(row[i], x[i]); i += 1 }
        return sum
    }

    /// Block sums of x (`blocks` blocks of 32), for the additive part of Q4_0 and Q4_1.
    @inline(__always)
    static func blockSums(_ x: UnsafePointer<Float>, blocks: Int, into sums: UnsafeMutablePointer<Float>) {
        let xv = UnsafeRawPointer(x)
        for b in 0..<blocks { sums[b] = (load(xv, b * 128) + load(xv, b * 128 + 64)).sum() }
    }
}
