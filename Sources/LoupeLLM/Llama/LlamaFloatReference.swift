import LoupeCore
import LoupeGGUF

/// The Llama forward pass in plain float32 with the engine's ops, every weight dequantized: the
/// slow, obviously-correct reference that the quantized runtime is checked against. Evaluates a
/// whole token sequence at once (causal attention, no cache) and returns the logits of every
/// position. The computation is ``LlamaNetwork``'s (without adapters), run without a graph.
public final class LlamaFloatReference {
    public let network: LlamaNetwork
    public var config: LlamaConfig { network.config }
    /// Whether keys and values are rounded to half precision, as the runtime's KV cache (and
    /// llama.cpp's default one) stores them.
    public var halfPrecisionCache: Bool { network.halfPrecisionCache }

    /// The reference for `file`'s weights; `halfPrecisionCache` rounds each key and value to half
    /// precision before attention reads it (the runtime's cache), else all is float32.
    public init(gguf file: GGUFFile, halfPrecisionCache: Bool = false) throws {
        network = try LlamaNetwork(gguf: file, halfPrecisionCache: halfPrecisionCache)
    }

    /// Logits [T, vocab] for every position of `tokens`.
    public func logits(_ tokens: [Int]) throws -> Tensor {
        try GradMode.withoutGrad { try network.logits(tokens) }
    }
}
