import LoupeCore

/// Where the Llama runtime tells the engine's forward hooks (``Hooks``) what it computed: the
/// inference tracer and any user code read (and may edit in place) these values. Each event's
/// `op` is the raw value and its `modulePath` is given below; T is the number of tokens evaluated
/// in the call, P the positions attended to (past ones included), R the rows whose logits were
/// asked for. With no hook registered the runtime checks one Bool per point and builds nothing.
public enum LlamaHookPoint: String, CaseIterable, Sendable {
    /// The token embeddings entering block 0, [T, dim]; module `embedding`.
    case embedding
    /// Softmax attention weights, [heads, T, P] (zero above the causal diagonal); module
    /// `blocks.L.attention`. Edits change what the heads read.
    case attentionProbabilities = "attention.probabilities"
    /// Every head's output before the output projection, [T, heads × headDim] (head h owns columns
    /// h·headDim ..< (h+1)·headDim); module `blocks.L.attention`. Zeroing a head's columns
    /// ablates it.
    case attentionHeads = "attention.heads"
    /// The attention sub-layer's output after its output projection, [T, dim], before it is added
    /// to the residual stream; module `blocks.L.attention`.
    case attentionOutput = "attention.output"
    /// The MLP's output after its down projection, [T, dim]; module `blocks.L.mlp`.
    case mlpOutput = "mlp.output"
    /// The MLP's hidden activations silu(gate) ⊙ up, [T, ffn], before the down projection; module
    /// `blocks.L.mlp`. Zeroing a column ablates that neuron.
    case mlpHidden = "mlp.hidden"
    /// The residual stream after block L, [T, dim]; module `blocks.L`.
    case residual
    /// The final RMSNorm's output for the rows whose logits are computed, [R, dim]; module `norm`.
    case finalNorm = "final_norm"
    /// Logits, [R, vocabulary]; module `head`.
    case logits

    /// The module path the event carries, for a block-level point in `layer`.
    public func modulePath(layer: Int) -> String {
        switch self {
        case .embedding: return "embedding"
        case .attentionProbabilities, .attentionHeads, .attentionOutput: return "blocks.\(layer).attention"
        case .mlpOutput, .mlpHidden: return "blocks.\(layer).mlp"
        case .residual: return "blocks.\(layer)"
        case .finalNorm: return "norm"
        case .logits: return "head"
        }
    }

    /// Whether the point belongs to one block (its events carry the block's index as `layer`).
    public var isInBlock: Bool {
        switch self {
        case .embedding, .finalNorm, .logits: false
        case .attentionProbabilities, .attentionHeads, .attentionOutput, .mlpOutput, .mlpHidden, .residual: true
        }
    }

    /// Tells the hooks about `buffer` (shape `shape`) and reads back whatever they wrote into it.
    func emit(layer: Int, _ buffer: UnsafeMutablePointer<Float>, shape: [Int]) throws {
        guard Hooks.areListening else { return }
        let count = shape.reduce(1, *)
        let tensor = Tensor(copying: UnsafeBufferPointer(start: buffer, count: count), shape: shape)
        try Hooks.emitForward(op: rawValue, modulePath: modulePath(layer: layer), layer: isInBlock ? layer : nil, output: tensor)
        try tensor.withContiguousFloats { buffer.update(from: $0.baseAddress!, count: count) }
    }
}
