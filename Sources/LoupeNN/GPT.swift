import LoupeCore

/// The shape of a GPT (nanoGPT's defaults scaled down).
public struct GPTConfig: Sendable, Equatable {
    public var vocabulary: Int
    /// Longest context, in tokens (learned positions).
    public var blockSize: Int
    public var layers: Int
    public var heads: Int
    public var dim: Int
    public var dropout: Double = 0
    /// Reuse the token embedding as the output head (saves vocabulary × dim parameters).
    public var tiedHead: Bool = true

    public init(vocabulary: Int, blockSize: Int, layers: Int, heads: Int, dim: Int, dropout: Double = 0, tiedHead: Bool = true) {
        (self.vocabulary, self.blockSize, self.layers, self.heads, self.dim) = (vocabulary, blockSize, layers, heads, dim)
        self.dropout = dropout
        self.tiedHead = tiedHead
    }
}

/// The MLP of a transformer block: dim → 4·dim → GELU → dim.
public final class FeedForward: Module {
    public let fc: Linear, proj: Linear
    public init(dim: Int, using rng: inout RandomGenerator) throws {
        fc = try Linear(dim, 4 * dim, using: &rng)
        proj = try Linear(4 * dim, dim, using: &rng)
    }
    override public func forward(_ x: Tensor) throws -> Tensor { try proj(fc(x).gelu()) }
}

/// A pre-norm transformer decoder block: x + attn(ln1(x)), then + mlp(ln2(x)).
public final class GPTBlock: Module {
    public let ln1: LayerNorm, attn: MultiHeadAttention, ln2: LayerNorm, mlp: FeedForward
    public let dropout: Dropout?

    public init(dim: Int, heads: Int, dropout: Double = 0, seed: UInt64 = 0, using rng: inout RandomGenerator) throws {
        ln1 = LayerNorm(dim)
        attn = try MultiHeadAttention(dim: dim, heads: heads, causal: true, using: &rng)
        ln2 = LayerNorm(dim)
        mlp = try FeedForward(dim: dim, using: &rng)
        self.dropout = dropout > 0 ? try Dropout(dropout, seed: seed) : nil
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        let a = try attn(ln1(x))
        let h = try x + (dropout.map { try $0(a) } ?? a)
        let m = try mlp(ln2(h))
        return try h + (dropout.map { try $0(m) } ?? m)
    }
}

/// A GPT language model: token + learned position embeddings, pre-norm blocks, final LayerNorm and
/// a (optionally tied) output head. int64 tokens [B, T] → logits [B, T, vocabulary].
public final class GPT: Module {
    public let config: GPTConfig
    public let tokenEmbedding: Embedding, positionEmbedding: Embedding
    public let blocks: [GPTBlock]
    public let lnF: LayerNorm
    public let head: Linear?

    public init(_ config: GPTConfig, using rng: inout RandomGenerator) throws {
        self.config = config
        // GPT-2's initialisation: N(0, 0.02) embeddings.
        tokenEmbedding = try Embedding(config.vocabulary, config.dim, weightInit: .normal(std: 0.02), using: &rng)
        positionEmbedding = try Embedding(config.blockSize, config.dim, weightInit: .normal(std: 0.02), using: &rng)
        blocks = try (0..<config.layers).map {
            try GPTBlock(dim: config.dim, heads: config.heads, dropout: config.dropout, seed: UInt64($0 + 1), using: &rng)
        }
        lnF = LayerNorm(config.dim)
        head = config.tiedHead ? nil : try Linear(config.dim, config.vocabulary, bias: false, using: &rng)
    }

    override public func forward(_ tokens: Tensor) throws -> Tensor {
        guard tokens.dtype == .int64, tokens.rank == 2, tokens.shape[1] <= config.blockSize else {
            throw TensorError.invalidShape(op: "GPT '\(name)'", shape: tokens.shape,
                                           reason: "expected int64 tokens [batch, time ≤ \(config.blockSize)]")
        }
        let t = tokens.shape[1]
        var x = try tokenEmbedding(tokens) + positionEmbedding(Tensor.arange(t, dtype: .int64))
        for block in blocks { x = try block(x) }
        x = try lnF(x)
        if let head { return try head(x) }
        return try ModuleScope.with("head") { try x.matmul(tokenEmbedding.weight.value.transposed()) }
    }
}
