import Foundation
import LoupeCore
import LoupeGGUF

/// The Llama forward pass in plain float32 with the engine's ops, every weight dequantized: the
/// slow, obviously-correct reference that the quantized runtime is checked against. Evaluates a
/// whole token sequence at once (causal attention, no cache) and returns the logits of every
/// position.
public final class LlamaFloatReference {
    struct Block { let attnNorm, wq, wk, wv, wo, ffnNorm, gate, up, down: Tensor }
    public let config: LlamaConfig
    let embedding: Tensor      // [vocab, dim]
    let blocks: [Block]
    let outputNorm: Tensor
    let head: Tensor           // [vocab, dim] (the embedding when tied)
    /// Whether keys and values are rounded to half precision, as the runtime's KV cache (and
    /// llama.cpp's default one) stores them.
    public let halfPrecisionCache: Bool

    /// The reference for `file`'s weights; `halfPrecisionCache` rounds each key and value to half
    /// precision before attention reads it (the runtime's cache), else all is float32.
    public init(gguf file: GGUFFile, halfPrecisionCache: Bool = false) throws {
        let config = try LlamaConfig(gguf: file)
        self.config = config
        self.halfPrecisionCache = halfPrecisionCache
        func weight(_ name: String) throws -> Tensor {
            guard let t = file.tensor(name) else { throw LLMError(message: "\(file.name): tensor \(name) is missing") }
            return Tensor(try file.floats(t), shape: t.shape.reversed())
        }
        embedding = try weight("token_embd.weight")
        blocks = try (0..<config.layers).map { i in
            Block(attnNorm: try weight("blk.\(i).attn_norm.weight"), wq: try weight("blk.\(i).attn_q.weight"),
                  wk: try weight("blk.\(i).attn_k.weight"), wv: try weight("blk.\(i).attn_v.weight"),
                  wo: try weight("blk.\(i).attn_output.weight"), ffnNorm: try weight("blk.\(i).ffn_norm.weight"),
                  gate: try weight("blk.\(i).ffn_gate.weight"), up: try weight("blk.\(i).ffn_up.weight"),
                  down: try weight("blk.\(i).ffn_down.weight"))
        }
        outputNorm = try weight("output_norm.weight")
        head = file.tensor("output.weight") == nil ? embedding : try weight("output.weight")
    }

    func rmsNorm(_ x: Tensor, _ w: Tensor) throws -> Tensor {
        try x * ((x * x).mean(axes: [-1], keepDims: true) + config.rmsEpsilon).rsqrt() * w
    }

    /// Rotates adjacent pairs (x[2i], x[2i+1]) of each head by position·base^(−2i/d): GGUF stores
    /// Q and K permuted so that this "normal" RoPE equals the original model's rotate-half.
    func rope(_ x: Tensor, heads: Int) throws -> Tensor {
        let t = x.shape[0], d = config.headDim, half = d / 2
        var cos = [Float](), sin = [Float]()
        for p in 0..<t {
            for i in 0..<half {
                let theta = Double(p) * Foundation.pow(config.ropeBase, -2 * Double(i) / Double(d))
                cos.append(Float(Foundation.cos(theta))); sin.append(Float(Foundation.sin(theta)))
            }
        }
        let c = Tensor(cos, shape: [t, 1, half, 1]), s = Tensor(sin, shape: [t, 1, half, 1])
        let pairs = try x.reshaped([t, heads, half, 2])
        let x0 = try pairs.slice(axis: 3, 0, 1), x1 = try pairs.slice(axis: 3, 1, 2)
        return try Tensor.concat([x0 * c - x1 * s, x0 * s + x1 * c], axis: 3).reshaped([t, heads * d])
    }

    /// Logits [T, vocab] for every position of `tokens`.
    public func logits(_ tokens: [Int]) throws -> Tensor {
        try GradMode.withoutGrad {
            let t = tokens.count, d = config.headDim, h = config.heads, kvh = config.kvHeads
            var x = try embedding.indexSelect(axis: 0, indices: Tensor(indices: tokens))
            var mask = [Float](repeating: 0, count: t * t)
            for i in 0..<t { for j in (i + 1)..<max(i + 1, t) { mask[i * t + j] = -.infinity } }
            let causal = Tensor(mask, shape: [1, t, t])
            for b in blocks {
                let n = try rmsNorm(x, b.attnNorm)
                let q = try rope(n.matmul(b.wq.transposed()), heads: h)
                var k = try rope(n.matmul(b.wk.transposed()), heads: kvh)
                var v = try n.matmul(b.wv.transposed())
                if halfPrecisionCache {
                    k = Tensor(k.floats().map { Float(Float16($0)) }, shape: k.shape)
                    v = Tensor(v.floats().map { Float(Float16($0)) }, shape: v.shape)
                }
                let qh = try q.reshaped([t, h, d]).permuted([1, 0, 2])
                let kh = try k.reshaped([t, kvh, d]).permuted([1, 0, 2])
                let vh = try v.reshaped([t, kvh, d]).permuted([1, 0, 2])
                // Grouped-query attention: query head i reads KV head i / (heads / kvHeads).
                let group = h / kvh
                let kx = try Tensor.concat((0..<h).map { try kh.slice(axis: 0, $0 / group, $0 / group + 1) }, axis: 0)
                let vx = try Tensor.concat((0..<h).map { try vh.slice(axis: 0, $0 / group, $0 / group + 1) }, axis: 0)
                let scores = try qh.matmul(kx.transposed()) * (1 / Double(d).squareRoot()) + causal
                let attended = try scores.softmax(axis: -1).matmul(vx).permuted([1, 0, 2]).reshaped([t, h * d])
                x = try x + attended.matmul(b.wo.transposed())
                let m = try rmsNorm(x, b.ffnNorm)
                let gated = try m.matmul(b.gate.transposed()).silu() * m.matmul(b.up.transposed())
                x = try x + gated.matmul(b.down.transposed())
            }
            return try rmsNorm(x, outputNorm).matmul(head.transposed())
        }
    }
}
