import Foundation
import LoupeCore
import LoupeGGUF
import LoupeNN

/// The seven projections of a Llama block that LoRA can adapt, with the module names Hugging
/// Face's Llama (and so PEFT's `target_modules`) gives them.
public enum LlamaProjection: String, CaseIterable, Sendable, Codable {
    case q, k, v, o, gate, up, down

    /// PEFT's name: `q_proj`, …, `down_proj`.
    public var peftName: String { "\(rawValue)_proj" }
    /// Where Hugging Face's Llama keeps it: `self_attn` or `mlp`.
    public var peftParent: String { [.q, .k, .v, .o].contains(self) ? "self_attn" : "mlp" }
    /// The GGUF tensor name's part: `attn_q`, …, `ffn_down`.
    public var ggufName: String {
        switch self {
        case .q, .k, .v: "attn_\(rawValue)"
        case .o: "attn_output"
        default: "ffn_\(rawValue)"
        }
    }
}

/// LoRA on a Llama: which projections get an adapter, of what rank and scale.
public struct LlamaLoRA: Equatable, Sendable {
    public var rank: Int
    public var alpha: Double
    public var dropout: Double
    public var targets: Set<LlamaProjection>
    /// Seeds the adapters' A matrices and their dropout masks.
    public var seed: UInt64

    public init(rank: Int, alpha: Double, dropout: Double = 0, targets: Set<LlamaProjection> = [.q, .v], seed: UInt64 = 0) {
        (self.rank, self.alpha, self.dropout, self.targets, self.seed) = (rank, alpha, dropout, targets, seed)
    }
}

/// One Llama block of engine ops: RMSNorm, grouped-query attention with RoPE, RMSNorm, SwiGLU.
public final class LlamaBlock: Module {
    let attnNorm: Tensor, ffnNorm: Tensor
    /// Each projection is a ``FrozenLinear`` or, where LoRA targets it, a ``LoRALinear``.
    public let q: Module, k: Module, v: Module, o: Module, gate: Module, up: Module, down: Module

    init(attnNorm: Tensor, ffnNorm: Tensor, projections: [LlamaProjection: Module]) {
        (self.attnNorm, self.ffnNorm) = (attnNorm, ffnNorm)
        (q, k, v, o) = (projections[.q]!, projections[.k]!, projections[.v]!, projections[.o]!)
        (gate, up, down) = (projections[.gate]!, projections[.up]!, projections[.down]!)
        super.init()
    }

    /// The module computing `projection`: a ``FrozenLinear`` or a ``LoRALinear``.
    public func module(for projection: LlamaProjection) -> Module {
        switch projection {
        case .q: q
        case .k: k
        case .v: v
        case .o: o
        case .gate: gate
        case .up: up
        case .down: down
        }
    }

    /// The adapter on `projection`, if LoRA targets it.
    public func adapter(_ projection: LlamaProjection) -> LoRALinear? { module(for: projection) as? LoRALinear }
}

/// The Llama forward pass as an engine ``Module``: float32 ops with autograd over a whole token
/// sequence (causal attention, no cache), every weight dequantized and frozen. It is the
/// reference the quantized runtime is checked against (``LlamaFloatReference``) and, with
/// ``LlamaLoRA`` adapters on chosen projections, the model LoRA fine-tuning trains: gradients
/// reach the adapters only.
public final class LlamaNetwork: Module {
    public let config: LlamaConfig
    let embedding: Tensor       // [vocab, dim]
    let outputNorm: Tensor
    let head: Tensor            // [vocab, dim] (the embedding when tied)
    public let blocks: [LlamaBlock]
    public let lora: LlamaLoRA?
    /// Keys and values rounded to half precision before attention reads them, as the runtime's
    /// KV cache (and llama.cpp's default one) stores them.
    public let halfPrecisionCache: Bool
    /// Activation checkpointing: training keeps each block's input only and recomputes the block
    /// in the backward pass (``ActivationCheckpoint``), for one more forward pass of compute.
    public var checkpointsBlocks = false

    /// A network of `config`'s shape with the weights `weight` returns by GGUF tensor name
    /// (`token_embd.weight`, `blk.0.attn_q.weight`, …, each in ggml's shape reversed: [out, in]);
    /// `output.weight` is optional (tied to the embedding when absent).
    public init(config: LlamaConfig, weight: (String) throws -> Tensor?, lora: LlamaLoRA? = nil, halfPrecisionCache: Bool = false) throws {
        func required(_ name: String, _ shape: [Int]) throws -> Tensor {
            guard let t = try weight(name) else { throw LLMError(message: "tensor \(name) is missing") }
            guard t.shape == shape else { throw LLMError(message: "tensor \(name) is \(t.shape); expected \(shape)") }
            // float64 stays float64 (finite-difference checks); other types become float32.
            return t.dtype == .float32 || t.dtype == .float64 ? t.detach() : try t.to(.float32)
        }
        let c = config, kvDim = c.headDim * c.kvHeads
        if let lora {
            guard lora.rank >= 1 else { throw LLMError(message: "lora rank must be at least 1, got \(lora.rank)") }
            guard !lora.targets.isEmpty else { throw LLMError(message: "lora targets is empty; name at least one of \(LlamaProjection.allCases.map(\.rawValue).joined(separator: ", "))") }
            guard (0..<1).contains(lora.dropout) else { throw LLMError(message: "lora dropout must be in [0, 1), got \(lora.dropout)") }
        }
        self.config = config
        self.lora = lora
        self.halfPrecisionCache = halfPrecisionCache
        embedding = try required("token_embd.weight", [c.vocabulary, c.dim])
        outputNorm = try required("output_norm.weight", [c.dim])
        head = try weight("output.weight") == nil ? embedding : try required("output.weight", [c.vocabulary, c.dim])
        var rng = RandomGenerator(seed: lora?.seed ?? 0)
        let shapes: [LlamaProjection: [Int]] = [.q: [c.dim, c.dim], .k: [kvDim, c.dim], .v: [kvDim, c.dim], .o: [c.dim, c.dim],
                                                 .gate: [c.ffn, c.dim], .up: [c.ffn, c.dim], .down: [c.dim, c.ffn]]
        var blocks: [LlamaBlock] = []
        for i in 0..<c.layers {
            var projections: [LlamaProjection: Module] = [:]
            for p in LlamaProjection.allCases {
                let w = try required("blk.\(i).\(p.ggufName).weight", shapes[p]!)
                if let lora, lora.targets.contains(p) {
                    do {
                        projections[p] = try LoRALinear(base: w, rank: lora.rank, alpha: lora.alpha, dropout: lora.dropout,
                                                        seed: lora.seed &+ UInt64(i * 7 + blocks.count + projections.count), using: &rng)
                    } catch {
                        throw LLMError(message: "lora on blk.\(i).\(p.ggufName): \(error)")
                    }
                } else {
                    projections[p] = try FrozenLinear(w)
                }
            }
            blocks.append(LlamaBlock(attnNorm: try required("blk.\(i).attn_norm.weight", [c.dim]),
                                     ffnNorm: try required("blk.\(i).ffn_norm.weight", [c.dim]), projections: projections))
        }
        self.blocks = blocks
        super.init()
    }

    /// The network of a GGUF file's weights (dequantized to float32).
    public convenience init(gguf file: GGUFFile, lora: LlamaLoRA? = nil, halfPrecisionCache: Bool = false) throws {
        try self.init(config: LlamaConfig(gguf: file), weight: { name in
            guard let t = file.tensor(name) else { return nil }
            return Tensor(try file.floats(t), shape: t.shape.reversed())
        }, lora: lora, halfPrecisionCache: halfPrecisionCache)
    }

    /// Every adapter of the network.
    public var adapters: [LoRALinear] { blocks.flatMap { b in LlamaProjection.allCases.compactMap { b.adapter($0) } } }

    /// Runs `body` with every adapter switched off: the frozen base model.
    public func withoutAdapters<R>(_ body: () throws -> R) rethrows -> R {
        let adapters = self.adapters, states = adapters.map(\.isEnabled)
        for a in adapters { a.isEnabled = false }
        defer { for (a, on) in zip(adapters, states) { a.isEnabled = on } }
        return try body()
    }

    /// Logits [T, vocab] for every position of `tokens`.
    public func logits(_ tokens: [Int]) throws -> Tensor {
        guard !tokens.isEmpty else { throw LLMError(message: "no tokens to evaluate") }
        if let bad = tokens.first(where: { !(0..<config.vocabulary).contains($0) }) {
            throw LLMError(message: "token id \(bad) is outside the vocabulary (0..<\(config.vocabulary))")
        }
        return try self(Tensor(indices: tokens))
    }

    /// The id that pads a row of a batch: a row of ``forward(_:)``'s [B, T] input ends in it.
    public static let padding = -1

    /// Token ids [T] (an index tensor) → logits [T, vocab]; or a batch [B, T] → [B, T, vocab],
    /// where a row may end in ``padding`` ids: each row runs on its real tokens alone, and its
    /// padded positions get logits of zero (a fine-tune's loss ignores them).
    override public func forward(_ ids: Tensor) throws -> Tensor {
        guard ids.rank == 2 else { return try sequence(ids) }
        let (b, t, v) = (ids.shape[0], ids.shape[1], config.vocabulary)
        let all = ids.ints()
        let rows = try (0..<b).map { r -> Tensor in
            let row = Array(all[(r * t)..<((r + 1) * t)])
            let length = row.firstIndex(of: Self.padding) ?? t
            guard length > 0, row[length...].allSatisfy({ $0 == Self.padding }) else {
                throw LLMError(message: "row \(r) of the batch must be tokens followed by padding (\(Self.padding)), with at least one token")
            }
            if let bad = row[..<length].first(where: { !(0..<v).contains($0) }) {
                throw LLMError(message: "token id \(bad) in row \(r) is outside the vocabulary (0..<\(v))")
            }
            let logits = try sequence(Tensor(indices: Array(row[..<length])))
            return length == t ? logits : try Tensor.concat([logits, Tensor.zeros([t - length, v], dtype: logits.dtype)], axis: 0)
        }
        return try (b == 1 ? rows[0] : Tensor.concat(rows, axis: 0)).reshaped([b, t, v])
    }

    /// Token ids [T] → logits [T, vocab].
    func sequence(_ ids: Tensor) throws -> Tensor {
        let t = ids.count
        var x = try embedding.indexSelect(axis: 0, indices: ids)
        var mask = [Float](repeating: 0, count: t * t)
        for i in 0..<t { for j in (i + 1)..<max(i + 1, t) { mask[i * t + j] = -.infinity } }
        let dtype = embedding.dtype
        let causal = try Tensor(mask, shape: [1, t, t]).to(dtype)
        let (cos, sin) = try ropeTables(positions: t, dtype: dtype)
        for (index, b) in blocks.enumerated() {
            x = try ModuleScope.with("blocks.\(index)") {
                guard checkpointsBlocks else { return try block(b, x, t: t, cos: cos, sin: sin, causal: causal) }
                // Only the block's input is kept; its backward runs it again. The adapters'
                // dropout draws the same masks the second time.
                let dropouts = b.namedModules().compactMap { $0.module as? Dropout }
                let before = dropouts.map(\.generator)
                var after = before
                return try ActivationCheckpoint.run(x, parameters: b.parameters().map(\.value), rewind: { starting in
                    if starting { after = dropouts.map(\.generator) }
                    for (d, g) in zip(dropouts, starting ? before : after) { d.generator = g }
                }) { [unowned self] x in try ModuleScope.with("blocks.\(index)") { try self.block(b, x, t: t, cos: cos, sin: sin, causal: causal) } }
            }
        }
        return try rmsNorm(x, outputNorm).matmul(head.transposed())
    }

    /// One block: attention and the SwiGLU MLP, each added to the residual stream x [T, dim].
    func block(_ b: LlamaBlock, _ x: Tensor, t: Int, cos: Tensor, sin: Tensor, causal: Tensor) throws -> Tensor {
        let d = config.headDim, h = config.heads, kvh = config.kvHeads
        let n = try rmsNorm(x, b.attnNorm)
        let q = try rope(b.q(n), heads: h, cos, sin)
        var k = try rope(b.k(n), heads: kvh, cos, sin), v = try b.v(n)
        if halfPrecisionCache { (k, v) = (try Self.roundedToHalf(k), try Self.roundedToHalf(v)) }
        let qh = try q.reshaped([t, h, d]).permuted([1, 0, 2])
        let kh = try k.reshaped([t, kvh, d]).permuted([1, 0, 2])
        let vh = try v.reshaped([t, kvh, d]).permuted([1, 0, 2])
        // Grouped-query attention: query head i reads KV head i / (heads / kvHeads).
        let group = h / kvh
        let kx = try Tensor.concat((0..<h).map { try kh.slice(axis: 0, $0 / group, $0 / group + 1) }, axis: 0)
        let vx = try Tensor.concat((0..<h).map { try vh.slice(axis: 0, $0 / group, $0 / group + 1) }, axis: 0)
        let scores = try qh.matmul(kx.transposed()) * (1 / Double(d).squareRoot()) + causal
        let attended = try scores.softmax(axis: -1).matmul(vx).permuted([1, 0, 2]).reshaped([t, h * d])
        let mid = try x + b.o(attended)
        let m = try rmsNorm(mid, b.ffnNorm)
        return try mid + b.down(b.gate(m).silu() * b.up(m))
    }

    func rmsNorm(_ x: Tensor, _ w: Tensor) throws -> Tensor {
        try x * ((x * x).mean(axes: [-1], keepDims: true) + config.rmsEpsilon).rsqrt() * w
    }

    /// cos and sin of position·base^(−2i/d) for each position and pair i, as [T, 1, d/2, 1].
    func ropeTables(positions t: Int, dtype: DType) throws -> (Tensor, Tensor) {
        let d = config.headDim, half = d / 2
        var cos = [Float](), sin = [Float]()
        for p in 0..<t {
            for i in 0..<half {
                let theta = Double(p) * Foundation.pow(config.ropeBase, -2 * Double(i) / Double(d))
                cos.append(Float(Foundation.cos(theta))); sin.append(Float(Foundation.sin(theta)))
            }
        }
        return (try Tensor(cos, shape: [t, 1, half, 1]).to(dtype), try Tensor(sin, shape: [t, 1, half, 1]).to(dtype))
    }

    /// Rotates adjacent pairs (x[2i], x[2i+1]) of each head: GGUF stores Q and K permuted so that
    /// this "normal" RoPE equals the original model's rotate-half.
    func rope(_ x: Tensor, heads: Int, _ c: Tensor, _ s: Tensor) throws -> Tensor {
        let t = x.shape[0], d = config.headDim, half = d / 2
        let pairs = try x.reshaped([t, heads, half, 2])
        let x0 = try pairs.slice(axis: 3, 0, 1), x1 = try pairs.slice(axis: 3, 1, 2)
        return try Tensor.concat([x0 * c - x1 * s, x0 * s + x1 * c], axis: 3).reshaped([t, heads * d])
    }

    /// `x` rounded to half precision, as a constant (the cache's rounding has no gradient a
    /// caller could want: it is the identity up to 2⁻¹¹ relative).
    static func roundedToHalf(_ x: Tensor) throws -> Tensor {
        let rounded = try Tensor(x.floats().map { Float(Float16($0)) }, shape: x.shape).to(x.dtype)
        // Straight-through: the value of the rounding, the gradient of the identity.
        return try x + (rounded - x.detach())
    }

    /// A copy of the weights with every adapter merged in (W + (α/r)·B·A), by GGUF tensor name in
    /// the shapes ``init(config:weight:lora:halfPrecisionCache:)`` takes: what a merged model file holds.
    public func mergedWeights() throws -> [String: Tensor] {
        var out: [String: Tensor] = ["token_embd.weight": embedding, "output_norm.weight": outputNorm]
        if head !== embedding { out["output.weight"] = head }
        for (i, b) in blocks.enumerated() {
            out["blk.\(i).attn_norm.weight"] = b.attnNorm
            out["blk.\(i).ffn_norm.weight"] = b.ffnNorm
            for p in LlamaProjection.allCases {
                let module = b.module(for: p)
                out["blk.\(i).\(p.ggufName).weight"] = try (module as? LoRALinear)?.mergedWeight() ?? (module as! FrozenLinear).weight
            }
        }
        return out
    }
}
