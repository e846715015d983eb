import LoupeGGUF

/// A Llama-architecture model's shape, read from GGUF metadata (`llama.*`).
public struct LlamaConfig: Equatable, Sendable {
    public var layers: Int, dim: Int, heads: Int, kvHeads: Int, ffn: Int
    public var ropeBase: Double, ropeDims: Int, rmsEpsilon: Double, context: Int, vocabulary: Int
    public var headDim: Int { dim / heads }

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
