import LoupeCore
import LoupeLLM

/// Hugging Face's Llama naming and layout against GGUF's: where each weight lives in a
/// `transformers` state dict (and so in PEFT's adapter files), and the row order of Q and K.
///
/// llama.cpp's converter stores Q and K with each head's rows permuted so that RoPE rotates
/// adjacent pairs (x[2i], x[2i+1]); Hugging Face rotates halves (x[i], x[i + d/2]). GGUF row
/// h·d + 2i + s holds Hugging Face row h·d + s·d/2 + i (head h, pair i, s ∈ {0, 1}). The same
/// order applies to a LoRA B matrix of Q or K, whose rows are the projection's outputs; A
/// matrices (inputs) and every other projection are the same in both layouts.
public enum HuggingFaceLlama {
    /// `model.layers.{layer}.self_attn.q_proj` and so on: the module path PEFT adapts.
    public static func modulePath(layer: Int, _ projection: LlamaProjection) -> String {
        "model.layers.\(layer).\(projection.peftParent).\(projection.peftName)"
    }

    /// The base model's tensor name for a GGUF one (`blk.0.attn_q.weight` →
    /// `model.layers.0.self_attn.q_proj.weight`), nil for names without a counterpart.
    public static func tensorName(gguf name: String) -> String? {
        switch name {
        case "token_embd.weight": return "model.embed_tokens.weight"
        case "output_norm.weight": return "model.norm.weight"
        case "output.weight": return "lm_head.weight"
        default: break
        }
        let parts = name.split(separator: ".")
        guard parts.count == 4, parts[0] == "blk", let layer = Int(parts[1]), parts[3] == "weight" else { return nil }
        switch parts[2] {
        case "attn_norm": return "model.layers.\(layer).input_layernorm.weight"
        case "ffn_norm": return "model.layers.\(layer).post_attention_layernorm.weight"
        default:
            guard let p = LlamaProjection.allCases.first(where: { $0.ggufName == parts[2] }) else { return nil }
            return modulePath(layer: layer, p) + ".weight"
        }
    }

    /// Whether `projection`'s output rows are permuted between the layouts (Q and K), and over how
    /// many heads.
    static func permutedHeads(_ projection: LlamaProjection, _ config: LlamaConfig) -> Int? {
        switch projection {
        case .q: config.heads
        case .k: config.kvHeads
        default: nil
        }
    }

    /// `rows` [R, C] in GGUF's row order from Hugging Face's (`toGGUF`), or back.
    static func reorderRows(_ rows: Tensor, heads: Int, toGGUF: Bool) throws -> Tensor {
        let r = rows.shape[0], c = rows.count / max(r, 1), headDim = r / heads, half = headDim / 2
        guard heads > 0, r % heads == 0, headDim % 2 == 0 else {
            throw FineTuneError("cannot reorder \(r) rows into \(heads) heads of an even size")
        }
        let values = try rows.to(.float32).floats()
        var out = [Float](repeating: 0, count: values.count)
        for h in 0..<heads {
            for s in 0..<2 {
                for i in 0..<half {
                    let hf = h * headDim + s * half + i, gguf = h * headDim + 2 * i + s
                    let (from, to) = toGGUF ? (hf, gguf) : (gguf, hf)
                    for j in 0..<c { out[to * c + j] = values[from * c + j] }
                }
            }
        }
        return try Tensor(out, shape: rows.shape).to(rows.dtype)
    }

    /// A GGUF-named, GGUF-layout weight (what ``LlamaNetwork`` takes) from a Hugging Face state
    /// dict: `weight(hfName)` returns the tensor, nil when absent (a tied `lm_head`).
    public static func ggufWeight(_ name: String, config: LlamaConfig, from weight: (String) throws -> Tensor?) throws -> Tensor? {
        guard let hf = tensorName(gguf: name), let t = try weight(hf) else { return nil }
        let parts = name.split(separator: ".")
        if parts.count == 4, let p = LlamaProjection.allCases.first(where: { $0.ggufName == parts[2] }), let heads = permutedHeads(p, config) {
            return try reorderRows(t, heads: heads, toGGUF: true)
        }
        return t
    }
}
