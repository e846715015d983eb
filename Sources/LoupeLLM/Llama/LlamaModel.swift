import Foundation
import LoupeGGUF

/// A Llama-architecture model's weights, read in place from a memory-mapped GGUF file: matrices
/// stay quantized (``QuantizedMatrix``), norms are float32. Immutable and shareable; the state of
/// one conversation (KV cache, buffers) lives in a ``LlamaContext``.
///
/// ```swift
/// let model = try LlamaModel(contentsOf: DefaultModel.resolve(nil))
/// let context = LlamaContext(model: model)
/// let logits = try context.evaluate([1, 2, 3])      // [vocabulary] for the last position
/// ```
public final class LlamaModel: @unchecked Sendable {
    /// One transformer block's weights (W [out, in] for every matrix).
    struct Block {
        let attentionNorm: [Float]          // [dim]
        let query: QuantizedMatrix          // [dim, dim]
        let key: QuantizedMatrix            // [kvDim, dim]
        let value: QuantizedMatrix          // [kvDim, dim]
        let output: QuantizedMatrix         // [dim, dim]
        let mlpNorm: [Float]                // [dim]
        let gate: QuantizedMatrix           // [ffn, dim]
        let up: QuantizedMatrix             // [ffn, dim]
        let down: QuantizedMatrix           // [dim, ffn]
    }

    public let config: LlamaConfig
    /// The file the weights are read from (kept alive: the matrices point into its mapping).
    public let file: GGUFFile
    let embedding: QuantizedMatrix          // [vocab, dim]
    let blocks: [Block]
    let outputNorm: [Float]                 // [dim]
    /// The output head [vocab, dim]: `token_embd` itself when the model ties them.
    let head: QuantizedMatrix

    public convenience init(contentsOf url: URL) throws {
        try self.init(gguf: GGUFFile(contentsOf: url))
    }

    public init(gguf file: GGUFFile) throws {
        let config = try LlamaConfig(gguf: file)
        self.config = config
        self.file = file
        let base = file.data.withUnsafeBytes { $0.baseAddress! }
        func matrix(_ name: String, rows: Int, columns: Int) throws -> QuantizedMatrix {
            guard file.tensor(name) != nil else { throw LLMError(message: "\(file.name): tensor \(name) is missing") }
            let m = try QuantizedMatrix(file, name, base: base)
            guard m.rows == rows, m.columns == columns else {
                throw LLMError(message: "\(file.name): tensor \(name) is [\(m.rows), \(m.columns)]; [\(rows), \(columns)] was expected from the model's metadata")
            }
            return m
        }
        func vector(_ name: String) throws -> [Float] {
            guard let t = file.tensor(name) else { throw LLMError(message: "\(file.name): tensor \(name) is missing") }
            guard t.elementCount == config.dim else {
                throw LLMError(message: "\(file.name): tensor \(name) has \(t.elementCount) values; \(config.dim) were expected")
            }
            return try file.floats(t)
        }
        let dim = config.dim, kvDim = config.kvHeads * config.headDim
        embedding = try matrix("token_embd.weight", rows: config.vocabulary, columns: dim)
        blocks = try (0..<config.layers).map { i in
            let p = "blk.\(i)."
            return Block(
                attentionNorm: try vector(p + "attn_norm.weight"),
                query: try matrix(p + "attn_q.weight", rows: dim, columns: dim),
                key: try matrix(p + "attn_k.weight", rows: kvDim, columns: dim),
                value: try matrix(p + "attn_v.weight", rows: kvDim, columns: dim),
                output: try matrix(p + "attn_output.weight", rows: dim, columns: dim),
                mlpNorm: try vector(p + "ffn_norm.weight"),
                gate: try matrix(p + "ffn_gate.weight", rows: config.ffn, columns: dim),
                up: try matrix(p + "ffn_up.weight", rows: config.ffn, columns: dim),
                down: try matrix(p + "ffn_down.weight", rows: dim, columns: config.ffn))
        }
        outputNorm = try vector("output_norm.weight")
        head = file.tensor("output.weight") == nil ? embedding : try matrix("output.weight", rows: config.vocabulary, columns: dim)
    }

    /// The direction in the residual stream that token `id`'s logit reads, up to the final norm's
    /// 1/rms: `outputNorm ⊙ head[id]`. logit(id) = (x / rms(x)) · direction for the stream x after
    /// the last block, so any part of x contributes (part · direction) / rms(x) — direct logit
    /// attribution.
    public func logitDirection(_ id: Int) -> [Float] {
        var row = [Float](repeating: 0, count: config.dim)
        row.withUnsafeMutableBufferPointer { head.dequantize(rows: id..<(id + 1), into: $0.baseAddress!) }
        return zip(row, outputNorm).map { $0 * $1 }
    }

    /// Block `layer`'s attention output projection W_o dequantized, [dim, heads × headDim] row-major
    /// (output = W_o · heads): head h writes W_o[:, h·headDim ..< (h+1)·headDim] · its output, which
    /// is how per-head attributions are computed.
    public func attentionOutputWeights(layer: Int) -> [Float] {
        let m = blocks[layer].output
        var out = [Float](repeating: 0, count: m.rows * m.columns)
        out.withUnsafeMutableBufferPointer { m.dequantize(rows: 0..<m.rows, into: $0.baseAddress!) }
        return out
    }
}
