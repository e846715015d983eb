import Foundation
import LoupeCore
import LoupeReport
import LoupeLLM

/// Records a generation cycle by cycle from the runtime's hook points and profiler spans, in the
/// same forward passes that generate: nothing is recomputed. The hooks keep a few rows per cycle
/// (the last position's components, head outputs and residual stream); the logit lens and the
/// attributions are computed from those rows after generation.
public final class InferenceTracer {
    public let generator: TextGenerator
    public var capture: TraceCapture
    /// The profiler spans of the last trace (one "forward" span per forward pass, category "pass",
    /// holding its blocks and their ops), for ``chromeTrace(of:)``.
    public private(set) var spans: [Span] = []
    /// Forward passes per cycle of the last trace.
    private var passes: [Int] = []

    public init(generator: TextGenerator, capture: TraceCapture = TraceCapture()) {
        self.generator = generator
        self.capture = capture
    }

    /// The generation of the last trace (its text and why it stopped).
    public private(set) var generation: Generation?

    /// Generates from `prompt` with `options`, recording every cycle. `onToken` sees each token as
    /// it is generated, with its cycle so far (top candidates, entropy, the token's rank): a server
    /// streams them. Returning false stops generation.
    public func trace(prompt: [Int], options: GenerationOptions, modelName: String = "",
                      onToken: (GeneratedToken, TraceCycle) throws -> Bool = { _, _ in true }) throws -> Trace {
        let context = generator.context
        // A trace is a whole conversation from its first token: positions, replays and token labels
        // all count from 0.
        context.reset()
        let config = context.model.config
        let tokenizer = generator.tokenizer
        let capture = self.capture
        if let pair = capture.contrast, let bad = [pair.target, pair.distractor].first(where: { $0 < 0 || $0 >= config.vocabulary }) {
            throw TraceError("trace: contrast token id \(bad) is outside the vocabulary (0..<\(config.vocabulary))")
        }
        var trace = Trace(model: modelName, promptTokens: prompt,
                          sampling: .init(temperature: options.sampling.temperature, topK: options.sampling.topK,
                                          topP: options.sampling.topP, minP: options.sampling.minP, seed: options.sampling.seed),
                          capture: capture)
        var rows: [CycleRows] = []
        var lastLogits: [Float] = []

        // A prompt longer than the context's batch arrives in several forward passes; only the last
        // returns logits. A cycle is one call of `evaluate`: its passes extend it until logits close it.
        var open = false
        let handle = Hooks.addForwardHook { event in
            guard let point = LlamaHookPoint(rawValue: event.op) else { return }
            if point == .embedding {
                let start = context.position, count = event.output.shape[0]
                if open {
                    trace.cycles[trace.cycles.count - 1].positions += Array(start..<(start + count))
                    rows[rows.count - 1].passes += 1
                } else {
                    trace.cycles.append(TraceCycle(index: trace.cycles.count, inputTokens: [], positions: Array(start..<(start + count)),
                                                   layers: (0..<config.layers).map { TraceLayer(layer: $0) }))
                    rows.append(CycleRows(config: config, capture: capture))
                    open = true
                }
            }
            guard let i = trace.cycles.indices.last else { return }
            let l = event.layer
            switch point {
            case .embedding:
                rows[i].parts.replaceSubrange(0..<config.dim, with: Self.lastRow(event.output))
            case .attentionProbabilities:
                guard let l else { return }
                trace.cycles[i].layers[l].heads = Self.heads(event.output, top: capture.attentionTop, keepRows: capture.attentionRows)
            case .attentionHeads:
                guard let l, capture.headAttribution else { return }
                rows[i].heads.replaceSubrange((l * config.dim)..<((l + 1) * config.dim), with: Self.lastRow(event.output))
            case .attentionOutput, .mlpOutput:
                guard let l else { return }
                let row = Self.lastRow(event.output), norm = Self.norm(row)
                if point == .attentionOutput { trace.cycles[i].layers[l].attentionNorm = norm } else { trace.cycles[i].layers[l].mlpNorm = norm }
                let slot = 1 + 2 * l + (point == .attentionOutput ? 0 : 1)
                rows[i].parts.replaceSubrange((slot * config.dim)..<((slot + 1) * config.dim), with: row)
            case .residual:
                guard let l else { return }
                let row = Self.lastRow(event.output)
                trace.cycles[i].layers[l].residualNorm = Self.norm(row)
                if capture.logitLens { rows[i].residuals.replaceSubrange((l * config.dim)..<((l + 1) * config.dim), with: row) }
                if l == config.layers - 1 { rows[i].final = Array(row) }
            case .logits:
                open = false
                lastLogits = Array(Self.lastRow(event.output))
                let summary = LogitSummary(lastLogits[...], top: capture.topK)
                trace.cycles[i].top = summary.top.map {
                    Candidate(id: $0.id, text: tokenizer.displayPiece($0.id), probability: Foundation.exp($0.logprob))
                }
                trace.cycles[i].entropy = summary.entropy
                rows[i].logSumExp = summary.logSumExp
                trace.cycles[i].kvCacheTokens = (trace.cycles[i].positions.last ?? -1) + 1
                if let pair = capture.contrast { rows[i].contrastLogit = Double(lastLogits[pair.target] - lastLogits[pair.distractor]) }
            default:
                break
            }
        }
        defer { handle.remove() }
        let recorder = SpanRecorder()
        let sampler = Sampler(options.sampling)
        var history = prompt
        var inputs: [[Int]] = [prompt]
        try Profiler.record(into: recorder) {
            generation = try generator.generate(prompt: prompt, options: options) { token in
                let i = min(inputs.count - 1, trace.cycles.count - 1)
                trace.cycles[i].chosen = Candidate(id: token.id, text: tokenizer.displayPiece(token.id), probability: Foundation.exp(token.logprob))
                // Rank by logits: the same order as probabilities, without a second softmax.
                let chosenLogit = lastLogits[token.id]
                trace.cycles[i].chosenRank = lastLogits.reduce(0) { $1 > chosenLogit ? $0 + 1 : $0 }
                trace.cycles[i].sampler = Self.samplerState(sampler, logits: lastLogits, logSumExp: rows[i].logSumExp, history: history, chosen: token.id)
                rows[i].chosenLogit = Double(chosenLogit)
                history.append(token.id)
                inputs.append([token.id])
                return try onToken(token, trace.cycles[i])
            }
        }
        handle.remove()
        spans = recorder.spans
        for i in trace.cycles.indices where i < inputs.count { trace.cycles[i].inputTokens = inputs[i] }
        passes = rows.map(\.passes)
        Self.assignTimes(spans, passes: passes, to: &trace)
        if capture.logitLens { lens(&trace, rows: rows, context: context, tokenizer: tokenizer) }
        try Attributor(model: context.model, capture: capture).attribute(&trace, rows: rows)
        return trace
    }

    /// The last trace's spans in the Trace Event Format: one span per cycle ("cycle N: token"),
    /// inside it one per block, inside those one per op — about 180 events per cycle. Past
    /// `maxEvents` the file is kept small by aggregating: op spans fold into their block's span
    /// (as `args`, milliseconds per op), and if that is still too many, blocks fold into the cycle's.
    public func chromeTrace(of trace: Trace, maxEvents: Int = 20_000) -> ChromeTrace {
        var cycle = 0, pass = 0
        let named = spans.map { span -> Span in
            guard span.category == "pass" else { return span }
            var span = span
            let passes = cycle < self.passes.count ? self.passes[cycle] : 1
            let chosen = cycle < trace.cycles.count ? trace.cycles[cycle].chosen?.text ?? "" : ""
            let inputs = cycle < trace.cycles.count ? trace.cycles[cycle].inputTokens.count : 0
            span.name = "cycle \(cycle): \(inputs) in → \(chosen)" + (passes > 1 ? " (pass \(pass + 1) of \(passes))" : "")
            span.category = "cycle"
            pass += 1
            if pass == passes { cycle += 1; pass = 0 }
            return span
        }
        var spans = named
        if spans.count > maxEvents { spans = Self.fold("op", into: "layer", spans) }
        if spans.count > maxEvents { spans = Self.fold("layer", into: "cycle", spans) }
        return ChromeTrace(spans: spans, metadata: ["model": trace.model, "cycles": String(trace.cycles.count), "tool": "loupe trace"])
    }

    /// Drops the `inner` spans of a block (those with a layer), adding each one's milliseconds to
    /// the args of the `outer` span that encloses it (spans arrive in end order: children before
    /// their parent). The pass's own ops (embedding, head) stay.
    static func fold(_ inner: String, into outer: String, _ spans: [Span]) -> [Span] {
        var kept: [Span] = [], pending: [String: Double] = [:]
        for var span in spans {
            if span.category == inner, span.layer != nil {
                let key = inner == "op" ? span.name : "blocks"
                pending[key, default: 0] += Double(span.nanoseconds) / 1e6
                for (k, v) in span.args where inner == "layer" { pending[k, default: 0] += v }
                continue
            }
            if span.category == outer {
                for (k, v) in pending { span.args[k + (k.hasSuffix("ms") ? "" : " ms"), default: 0] += v }
                pending.removeAll()
            }
            kept.append(span)
        }
        return kept
    }

    // MARK: Recording helpers

    /// What the hooks keep of one cycle for the computations after generation (last position only).
    struct CycleRows {
        /// [embedding, L0.attention, L0.mlp, L1.attention, …], each [dim].
        var parts: [Float]
        /// Every block's head outputs before W_o, [layers, dim] (empty unless heads are attributed).
        var heads: [Float]
        /// The residual stream after every block, [layers, dim] (empty unless the lens is on).
        var residuals: [Float]
        /// The stream after the last block.
        var final: [Float] = []
        var chosenLogit: Double?
        var logSumExp = 0.0
        /// Forward passes the cycle took (more than one for a prompt longer than the batch).
        var passes = 1
        var contrastLogit: Double?

        init(config: LlamaConfig, capture: TraceCapture) {
            parts = [Float](repeating: 0, count: (1 + 2 * config.layers) * config.dim)
            heads = capture.headAttribution ? [Float](repeating: 0, count: config.layers * config.dim) : []
            residuals = capture.logitLens ? [Float](repeating: 0, count: config.layers * config.dim) : []
        }
    }

    static func lastRow(_ t: Tensor) -> ArraySlice<Float> {
        let all = t.floats(), width = t.shape[t.shape.count - 1]
        return all[(all.count - width)...]
    }

    static func norm(_ row: ArraySlice<Float>) -> Double { Foundation.sqrt(row.reduce(0.0) { $0 + Double($1) * Double($1) }) }

    /// Each head's last-position row of probabilities [heads, T, P]: entropy, top positions, and
    /// the whole row when asked.
    static func heads(_ probabilities: Tensor, top: Int, keepRows: Bool) -> [TraceHead] {
        let s = probabilities.shape, (heads, t, p) = (s[0], s[1], s[2])
        let all = probabilities.floats()
        return (0..<heads).map { h in
            let row = all[((h * t + t - 1) * p)..<((h * t + t) * p)]
            let entropy = row.reduce(0.0) { $1 > 0 ? $0 - Double($1) * Foundation.log(Double($1)) : $0 }
            // Insertion into a short sorted list: top is a handful, rows are long.
            var best: [AttendedPosition] = []
            for (p, w) in zip(0..., row) where top > 0 && (best.count < top || Double(w) > best[best.count - 1].weight) {
                let weight = Double(w)
                best.insert(AttendedPosition(position: p, weight: weight), at: best.firstIndex { weight > $0.weight } ?? best.count)
                if best.count > top { best.removeLast() }
            }
            return TraceHead(head: h, entropy: entropy, top: best, weights: keepRows ? Array(row) : nil)
        }
    }

    static func samplerState(_ sampler: Sampler, logits: [Float], logSumExp: Double, history: [Int], chosen: Int) -> SamplerState {
        let kept = sampler.candidates(logits[...], history: history)
        return SamplerState(temperature: sampler.options.temperature, kept: kept.count,
                            keptProbability: kept.reduce(0) { $0 + Foundation.exp(Double(logits[$1.id]) - logSumExp) },
                            chosenProbability: kept.first { $0.id == chosen }?.probability ?? 0)
    }

    /// Per-block and per-op wall times from the profiler's spans: each forward pass's spans end
    /// with its "pass" span, and cycle i took `passes[i]` passes (times add up across them).
    static func assignTimes(_ spans: [Span], passes: [Int], to trace: inout Trace) {
        var cycle = 0, pass = 0
        for span in spans where cycle < trace.cycles.count {
            let ms = Double(span.nanoseconds) / 1e6
            switch span.category {
            case "pass":
                trace.cycles[cycle].milliseconds += ms
                pass += 1
                if pass >= (cycle < passes.count ? passes[cycle] : 1) { cycle += 1; pass = 0 }
            case "layer":
                if let l = span.layer { trace.cycles[cycle].layers[l].milliseconds += ms }
            case "op":
                if let l = span.layer { trace.cycles[cycle].layers[l].ops[span.name, default: 0] += ms }
            default:
                break
            }
        }
    }

    /// The logit lens of every cycle from the residual rows the hooks kept: all cycles' layers in
    /// one batched pass over the head.
    private func lens(_ trace: inout Trace, rows: [CycleRows], context: LlamaContext, tokenizer: BPETokenizer) {
        let layers = context.model.config.layers
        let readings = context.logitLens(rows.flatMap(\.residuals), top: capture.logitLensTop)
        for i in rows.indices {
            for l in 0..<layers {
                trace.cycles[i].layers[l].logitLens = readings[i * layers + l].top.map {
                    Candidate(id: $0.id, text: tokenizer.displayPiece($0.id), probability: Foundation.exp($0.logprob))
                }
            }
        }
    }
}
