import Foundation
import LoupeCore
import LoupeLLM

/// A change to the model's computation while a cycle is re-run, made through the runtime's
/// editable hook points. Ablations apply at every position of every cycle re-run (the component is
/// gone from the model); a patch applies at its one position.
public enum Intervention: Sendable, Equatable, CustomStringConvertible {
    /// Zero head `head`'s output in block `layer` (its columns of `attention.heads`).
    case ablateHead(layer: Int, head: Int)
    /// Zero hidden unit `neuron` of block `layer`'s MLP (`mlp.hidden`).
    case ablateNeuron(layer: Int, neuron: Int)
    /// Zero block `layer`'s attention and MLP outputs: the block adds nothing to the stream.
    case ablateLayer(layer: Int)
    /// Replace the residual stream after block `layer` at `position` with `values` (taken from
    /// another run: activation patching); `source` says where they came from.
    case patchResidual(layer: Int, position: Int, values: [Float], source: String)

    public var description: String {
        switch self {
        case let .ablateHead(l, h): return "ablate head L\(l).H\(h)"
        case let .ablateNeuron(l, n): return "ablate neuron L\(l).N\(n)"
        case let .ablateLayer(l): return "ablate layer L\(l)"
        case let .patchResidual(l, p, _, source): return "patch residual L\(l) @\(p) from \(source)"
        }
    }

    var layer: Int {
        switch self {
        case let .ablateHead(l, _), let .ablateNeuron(l, _), let .ablateLayer(l), let .patchResidual(l, _, _, _): return l
        }
    }
}

/// The next-token distribution of one re-run cycle.
public struct ReplayedCycle: Sendable {
    public var cycle: Int
    /// The last position's logits [vocabulary].
    public var logits: [Float]
    public var top: [Candidate]
    public var entropy: Double
}

/// Re-runs a trace's cycles on a fresh context, with interventions. Cycles are re-run exactly as
/// they were generated (the prompt in one call, then one token per call), so with no intervention
/// every logit comes out bit-identical to the traced run's.
public final class CycleReplayer {
    public let trace: Trace
    public let tokenizer: BPETokenizer
    let context: LlamaContext

    /// - Parameters:
    ///   - maxBatch: the traced context's batch (a longer prompt is re-run in passes of this size,
    ///     as it was traced).
    public init(model: LlamaModel, tokenizer: BPETokenizer, trace: Trace, threads: Int = Engine.threads, maxBatch: Int = 512) {
        self.trace = trace
        self.tokenizer = tokenizer
        context = LlamaContext(model: model, threads: threads, maxBatch: maxBatch)
    }

    var config: LlamaConfig { context.model.config }

    /// Re-runs cycles 0 ... `cycle` with `interventions` and returns cycle `cycle`'s distribution.
    public func replay(cycle: Int, interventions: [Intervention] = [], topK: Int = 10) throws -> ReplayedCycle {
        try checkCycle(cycle)
        for intervention in interventions { try check(intervention, before: cycle) }
        var logits: [Float] = []
        try run(through: cycle, interventions: interventions) { logits = $0 }
        // Summarized exactly as the tracer summarizes a cycle, so equal logits give equal records.
        let summary = LogitSummary(logits[...], top: topK)
        let top = summary.top.map {
            Candidate(id: $0.id, text: tokenizer.displayPiece($0.id), probability: Foundation.exp($0.logprob))
        }
        return ReplayedCycle(cycle: cycle, logits: logits, top: top, entropy: summary.entropy)
    }

    /// The residual stream after block `layer` at `position`, [dim], as the traced run computed it.
    public func residual(layer: Int, position: Int) throws -> [Float] {
        guard (0..<config.layers).contains(layer) else { throw TraceError("layer \(layer) is out of range: the model has layers 0...\(config.layers - 1)") }
        guard let cycle = trace.cycles.firstIndex(where: { $0.positions.contains(position) }) else {
            throw TraceError("position \(position) is not in the trace: it holds positions 0...\((trace.cycles.last?.positions.last ?? 0))")
        }
        var row: [Float] = []
        let handle = Hooks.addForwardHook(scope: .module("blocks.\(layer)")) { [context] event in
            // The event fires before the context counts this pass's positions (a long prompt takes
            // several passes): its rows are positions context.position ..< +rows.
            let start = context.position, rows = event.output.shape[0]
            guard event.op == LlamaHookPoint.residual.rawValue, (start..<(start + rows)).contains(position) else { return }
            let all = event.output.floats(), dim = event.output.shape[1]
            row = Array(all[((position - start) * dim)..<((position - start + 1) * dim)])
        }
        defer { handle.remove() }
        try run(through: cycle, interventions: []) { _ in }
        return row
    }

    /// Evaluates cycles 0 ... `last` with the interventions' hook installed; `onLogits` gets the
    /// last cycle's logits.
    private func run(through last: Int, interventions: [Intervention], onLogits: ([Float]) -> Void) throws {
        context.reset()
        let hd = config.headDim
        let handle = Hooks.addForwardHook { [context] event in
            guard let point = LlamaHookPoint(rawValue: event.op), let l = event.layer else { return }
            let mine = interventions.filter { $0.layer == l }
            guard !mine.isEmpty else { return }
            var values = event.output.floats()
            let width = event.output.shape[event.output.shape.count - 1], rows = values.count / width
            var changed = false
            // The event fires before the context counts this call's positions: its first row is `position`.
            let start = context.position
            for intervention in mine {
                switch (intervention, point) {
                case let (.ablateHead(_, h), .attentionHeads):
                    for r in 0..<rows { for j in (h * hd)..<((h + 1) * hd) { values[r * width + j] = 0 } }
                    changed = true
                case let (.ablateNeuron(_, n), .mlpHidden):
                    for r in 0..<rows { values[r * width + n] = 0 }
                    changed = true
                case (.ablateLayer, .attentionOutput), (.ablateLayer, .mlpOutput):
                    for i in values.indices { values[i] = 0 }
                    changed = true
                case let (.patchResidual(_, p, patch, _), .residual) where (start..<(start + rows)).contains(p):
                    values.replaceSubrange(((p - start) * width)..<((p - start + 1) * width), with: patch)
                    changed = true
                default:
                    break
                }
            }
            if changed { try event.output.assign(Tensor(values, shape: event.output.shape)) }
        }
        defer { handle.remove() }
        for c in 0...last {
            let logits = try context.evaluate(trace.cycles[c].inputTokens)
            if c == last { onLogits(logits) }
        }
    }

    private func checkCycle(_ cycle: Int) throws {
        guard trace.cycles.indices.contains(cycle) else {
            throw TraceError("cycle \(cycle) is not in the trace: it has cycles 0...\(trace.cycles.count - 1)")
        }
        guard !trace.cycles[cycle].inputTokens.isEmpty else { throw TraceError("cycle \(cycle) has no recorded input tokens") }
    }

    private func check(_ intervention: Intervention, before cycle: Int) throws {
        let c = config
        guard (0..<c.layers).contains(intervention.layer) else {
            throw TraceError("\(intervention): layer \(intervention.layer) is out of range (0...\(c.layers - 1))")
        }
        switch intervention {
        case let .ablateHead(_, h) where !(0..<c.heads).contains(h):
            throw TraceError("\(intervention): head \(h) is out of range (0...\(c.heads - 1))")
        case let .ablateNeuron(_, n) where !(0..<c.ffn).contains(n):
            throw TraceError("\(intervention): neuron \(n) is out of range (0...\(c.ffn - 1))")
        case let .patchResidual(_, p, values, _):
            let last = trace.cycles[cycle].positions.last ?? 0
            guard (0...last).contains(p) else { throw TraceError("\(intervention): position \(p) is not before cycle \(cycle)'s end (0...\(last))") }
            guard values.count == c.dim else { throw TraceError("\(intervention): the patch has \(values.count) values, the stream \(c.dim)") }
        default:
            break
        }
    }
}
