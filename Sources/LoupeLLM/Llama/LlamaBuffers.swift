import LoupeCore

/// The forward pass's working memory, grown on demand and reused across calls (generation never
/// allocates per token). Shapes for T tokens: x, normed, q, attended, projected [T, dim];
/// k, v [T, kvDim]; gate, up [T, ffn]; cos, sin [T, headDim/2]; scores [threads, positions].
struct Buffers {
    private var activations: [FloatBuffer] = []
    private var scoreRows: FloatBuffer?
    private var scratchBuffer: FloatBuffer?
    private(set) var tokens = 0, positions = 0, threads = 0
    /// Floats in `scratch` (dequantized weight rows for sgemm).
    let scratchCount = 1 << 21

    private func activation(_ i: Int) -> UnsafeMutablePointer<Float> { activations[i].pointer }
    var x: UnsafeMutablePointer<Float> { activation(0) }
    var normed: UnsafeMutablePointer<Float> { activation(1) }
    var q: UnsafeMutablePointer<Float> { activation(2) }
    var k: UnsafeMutablePointer<Float> { activation(3) }
    var v: UnsafeMutablePointer<Float> { activation(4) }
    var attended: UnsafeMutablePointer<Float> { activation(5) }
    var projected: UnsafeMutablePointer<Float> { activation(6) }
    var gate: UnsafeMutablePointer<Float> { activation(7) }
    var up: UnsafeMutablePointer<Float> { activation(8) }
    var cos: UnsafeMutablePointer<Float> { activation(9) }
    var sin: UnsafeMutablePointer<Float> { activation(10) }
    var scores: UnsafeMutablePointer<Float> { scoreRows!.pointer }
    var scoresStride: Int { positions }
    var scratch: UnsafeMutablePointer<Float> { scratchBuffer!.pointer }

    mutating func ensure(tokens t: Int, config c: LlamaConfig, positions p: Int, threads n: Int, scratch needed: Bool) {
        if t > tokens {
            let kvDim = c.kvHeads * c.headDim
            activations = [t * c.dim, t * c.dim, t * c.dim, t * kvDim, t * kvDim, t * c.dim, t * c.dim,
                           t * c.ffn, t * c.ffn, t * c.headDim / 2, t * c.headDim / 2].map { FloatBuffer(count: $0) }
            tokens = t
        }
        if p > positions || n > threads {
            positions = max(p, positions, 1)
            threads = max(n, threads)
            scoreRows = FloatBuffer(count: positions * threads)
        }
        if needed, scratchBuffer == nil { scratchBuffer = FloatBuffer(count: scratchCount) }
    }
}
