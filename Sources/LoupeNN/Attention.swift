import LoupeCore

/// Multi-head self-attention over [B, T, C] with an optional causal mask (nanoGPT's layout: one
/// `qkv` projection to 3C, then an output projection).
public final class MultiHeadAttention: Module {
    public let qkv: Linear, proj: Linear
    public let heads: Int
    public let causal: Bool

    public init(dim: Int, heads: Int, causal: Bool = true, using rng: inout RandomGenerator) throws {
        guard heads >= 1, dim % heads == 0 else {
            throw TensorError.invalidArgument(op: "MultiHeadAttention", reason: "width \(dim) must divide into \(heads) heads")
        }
        qkv = try Linear(dim, 3 * dim, using: &rng)
        proj = try Linear(dim, dim, using: &rng)
        self.heads = heads
        self.causal = causal
    }

    /// −inf above the diagonal, 0 elsewhere: [T, T].
    static func causalMask(_ t: Int, dtype: DType) -> Tensor {
        var values = [Double](repeating: 0, count: t * t)
        for i in 0..<t { for j in (i + 1)..<max(t, i + 1) { values[i * t + j] = -.infinity } }
        let mask = Tensor(float64: values, shape: [t, t])
        return (try? mask.to(dtype)) ?? mask
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3, x.shape[2] == qkv.inFeatures else {
            throw TensorError.invalidShape(op: "MultiHeadAttention '\(name)'", shape: x.shape,
                                           reason: "expected [batch, time, \(qkv.inFeatures)]")
        }
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2]), d = c / heads
        let parts = try qkv(x).split([c, c, c], axis: -1)
        // [B, T, C] → [B, H, T, D]
        let (q, k, v) = try (parts[0].reshaped([b, t, heads, d]).transposed(1, 2),
                             parts[1].reshaped([b, t, heads, d]).transposed(1, 2),
                             parts[2].reshaped([b, t, heads, d]).transposed(1, 2))
        // [B, H, T, T]: scaled, masked and normalized in one op.
        let weights = try q.matmul(k.transposed()).attentionSoftmax(scale: 1 / Double(d).squareRoot(), causal: causal)
        let y = try weights.matmul(v).transposed(1, 2).reshaped([b, t, c])
        return try proj(y)
    }

    /// The attention weights composed of element-wise ops (scale, mask, softmax): the reference
    /// the fused `attention_softmax` is tested against.
    static func composedWeights(_ scores: Tensor, scale: Double, causal: Bool) throws -> Tensor {
        var s = try scores * scale
        if causal { s = try s + causalMask(scores.shape[scores.rank - 1], dtype: scores.dtype) }
        return try s.softmax(axis: -1)
    }
}
