import LoupeCore
import LoupeGGUF

/// A Llama-architecture model's shape, read from GGUF metadata (`llama.*`).
public struct LlamaConfig: Equatable, Sendable {
    public var layers: Int, dim: Int, heads: Int, kvHeads: Int, ffn: Int
    public var ropeBase: Double, ropeDims: Int, rmsEpsilon: Double, context: Int, vocabulary: Int
    public var headDim: Int { dim / heads }

    /// A shape given directly (a model built in code, e.g. a tiny one in a test); RoPE over the
    /// whole head. Throws when the widths do not divide into heads.
    public init(layers: Int, dim: Int, heads: Int, kvHeads: Int, ffn: Int, vocabulary: Int,
                ropeBase: Double = 10_000, rmsEpsilon: Double = 1e-5, context: Int = 2048) throws {
        guard [layers, dim, heads, kvHeads, ffn, vocabulary, context].allSatisfy({ $0 > 0 }), dim % heads == 0, heads % kvHeads == 0,
              (dim / heads) % 2 == 0, ropeBase.isFinite, ropeBase > 1, rmsEpsilon > 0, rmsEpsilon < 1 else {
            throw LLMError(message: "a Llama shape needs positive sizes, heads dividing the width into an even head size, KV heads dividing the heads, rope base > 1 and ε in (0, 1)")
        }
        (self.layers, self.dim, self.heads, self.kvHeads, self.ffn, self.vocabulary) = (layers, dim, heads, kvHeads, ffn, vocabulary)
        (self.ropeBase, self.ropeDims, self.rmsEpsilon, self.context) = (ropeBase, dim / heads, rmsEpsilon, context)
    }

    public init(gguf file: GGUFFile) throws {
        guard file["general.architecture"]?.string == "llama" else {
            throw LLMError(message: "\(file.name): general.architecture is \(file["general.architecture"].map { "\($0)" } ?? "missing"); only \"llama\" is supported")
        }
        func int(_ key: String) throws -> Int {
            guard let v = file["llama.\(key)"]?.int, v > 0 else { throw LLMError(message: "\(file.name): llama.\(key) is missing or not a positive integer") }
            return v
        }
        layers = try int("block_count")
        dim = try int("embedding_length")
        heads = try int("attention.head_count")
        kvHeads = try file["llama.attention.head_count_kv"].map { _ in try int("attention.head_count_kv") } ?? heads
        ffn = try int("feed_forward_length")
        context = try int("context_length")
        ropeBase = file["llama.rope.freq_base"]?.double ?? 10_000
        rmsEpsilon = file["llama.attention.layer_norm_rms_epsilon"]?.double ?? 1e-5
        vocabulary = file["tokenizer.ggml.tokens"]?.array?.count ?? 0
        // NaN, ∞ or a sign error here would not fail: it would quietly give garbage logits.
        guard ropeBase.isFinite, ropeBase > 1 else {
            throw LLMError(message: "\(file.name): llama.rope.freq_base is \(ropeBase); expected a finite number > 1")
        }
        guard rmsEpsilon.isFinite, rmsEpsilon > 0, rmsEpsilon < 1 else {
            throw LLMError(message: "\(file.name): llama.attention.layer_norm_rms_epsilon is \(rmsEpsilon); expected a finite number in (0, 1)")
        }
        // Every block has nine tensors, so a block count past what the file holds is a lie about
        // the architecture (and one of 10^12 would be allocated before any tensor is looked at).
        guard layers <= file.tensors.count / 9 else {
            throw LLMError(message: "\(file.name): llama.block_count is \(layers) but the file has \(file.tensors.count) tensors (9 per block)")
        }
        // The working buffers of one token, and a 2,048-token KV cache, must fit in memory.
        let perToken = SizePolicy.sum([SizePolicy.product([dim, 8]), SizePolicy.product([ffn, 3]), vocabulary])
        // The cache grows with the tokens used: 2,048 of them, not the whole context, must fit.
        let cache = SizePolicy.product([2, layers, min(context, 2048), dim / heads * kvHeads])
        do {
            try SizePolicy.check(bytes: SizePolicy.sum([perToken, cache]).flatMap { SizePolicy.product([$0, 4]) },
                                 for: "\(file.name): its metadata (llama.embedding_length \(dim), feed_forward_length \(ffn), context_length \(context), block_count \(layers))")
        } catch {
            throw LLMError(message: "\(error)")
        }
        guard dim % heads == 0, heads % kvHeads == 0 else {
            throw LLMError(message: "\(file.name): \(dim) width, \(heads) heads and \(kvHeads) KV heads do not divide evenly")
        }
        if let scaling = file["llama.rope.scaling.type"]?.string, scaling != "none" {
            throw LLMError(message: "\(file.name): llama.rope.scaling.type is \"\(scaling)\"; RoPE scaling is not supported yet")
        }
        if let bias = file.tensors.first(where: { $0.name.hasPrefix("blk.") && $0.name.hasSuffix(".bias") }) {
            throw LLMError(message: "\(file.name): tensor \(bias.name) is a bias; Llama models with biases are not supported yet")
        }
        ropeDims = file["llama.rope.dimension_count"]?.int ?? dim / heads
        guard ropeDims == dim / heads else {
            throw LLMError(message: "\(file.name): llama.rope.dimension_count \(ropeDims) differs from the head size \(dim / heads); partial RoPE is not supported yet")
        }
    }
}
