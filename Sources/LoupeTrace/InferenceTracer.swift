import Foundation
import LoupeCore
import LoupeLLM

/// Records a generation cycle by cycle from the runtime's hook points, in the same forward passes
/// that generate (nothing is recomputed; the logit lens, when asked for, reads the residual rows
/// captured on the way).
public final class InferenceTracer {
    public let generator: TextGenerator
    public var capture: TraceCapture

    public init(generator: TextGenerator, capture: TraceCapture = TraceCapture()) {
        self.generator = generator
        self.capture = capture
    }

    /// Generates from `prompt` with `options`, recording every cycle.
    public func trace(prompt: [Int], options: GenerationOptions, modelName: String = "") throws -> Trace {
        let context = generator.context
        let config = context.model.config
        let tokenizer = generator.tokenizer
        var trace = Trace(model: modelName, promptTokens: prompt,
                          sampling: .init(temperature: options.sampling.temperature, topK: options.sampling.topK,
                                          topP: options.sampling.topP, minP: options.sampling.minP, seed: options.sampling.seed),
                          capture: capture)
        var residuals: [[Float]] = []       // per cycle, [layers, dim] when the lens is on
        // Per cycle, the last row of every component that adds into the residual stream:
        // [embedding, L0.attention, L0.mlp, L1.attention, …] each [dim], then the final stream.
        var parts: [[Float]] = []
        var cycleStart = Date(), layerStart = Date()
        var lastLogits: [Float] = []
        let capture = self.capture

        func lastRow(_ t: Tensor) -> ArraySlice<Float> {
            let all = t.floats(), width = t.shape[t.shape.count - 1]
            return all[(all.count - width)...]
        }
        func norm(_ row: ArraySlice<Float>) -> Double { Foundation.sqrt(row.reduce(0.0) { $0 + Double($1) * Double($1) }) }
        func layerIndex(_ path: String?) -> Int? {
            guard let path, path.hasPrefix("blocks.") else { return nil }
            return Int(path.dropFirst(7).prefix { $0.isNumber })
        }

        let handle = Hooks.addForwardHook { event in
            switch event.op {
            case LlamaHookPoint.embedding.rawValue:
                let t = event.output.shape[0]
                let start = context.position
                trace.cycles.append(TraceCycle(index: trace.cycles.count, inputTokens: [], positions: Array(start..<(start + t)),
                                               layers: (0..<config.layers).map { TraceLayer(layer: $0) }))
                residuals.append(capture.logitLens ? [Float](repeating: 0, count: config.layers * config.dim) : [])
                parts.append(Array(lastRow(event.output)))
                cycleStart = Date()
                layerStart = cycleStart
            case LlamaHookPoint.attentionProbabilities.rawValue:
                guard let l = layerIndex(event.modulePath) else { return }
                let s = event.output.shape, (heads, t, p) = (s[0], s[1], s[2])
                let all = event.output.floats()
                trace.cycles[trace.cycles.count - 1].layers[l].heads = (0..<heads).map { h in
                    let row = all[((h * t + t - 1) * p)..<((h * t + t) * p)]
                    let entropy = row.reduce(0.0) { $1 > 0 ? $0 - Double($1) * Foundation.log(Double($1)) : $0 }
                    let top = row.indices.sorted { row[$0] > row[$1] }.prefix(capture.attentionTop)
                        .map { AttendedPosition(position: $0 - row.startIndex, weight: Double(row[$0])) }
                    return TraceHead(head: h, entropy: entropy, top: Array(top))
                }
            case LlamaHookPoint.attentionOutput.rawValue:
                guard let l = layerIndex(event.modulePath) else { return }
                let row = lastRow(event.output)
                trace.cycles[trace.cycles.count - 1].layers[l].attentionNorm = norm(row)
                parts[parts.count - 1] += row
            case LlamaHookPoint.mlpOutput.rawValue:
                guard let l = layerIndex(event.modulePath) else { return }
                let row = lastRow(event.output)
                trace.cycles[trace.cycles.count - 1].layers[l].mlpNorm = norm(row)
                parts[parts.count - 1] += row
            case LlamaHookPoint.residual.rawValue:
                guard let l = layerIndex(event.modulePath) else { return }
                let row = lastRow(event.output)
                let now = Date()
                trace.cycles[trace.cycles.count - 1].layers[l].residualNorm = norm(row)
                trace.cycles[trace.cycles.count - 1].layers[l].milliseconds = now.timeIntervalSince(layerStart) * 1000
                layerStart = now
                if capture.logitLens { residuals[residuals.count - 1].replaceSubrange((l * config.dim)..<((l + 1) * config.dim), with: row) }
                if l == config.layers - 1 { parts[parts.count - 1] += row }
            case LlamaHookPoint.logits.rawValue:
                lastLogits = Array(lastRow(event.output))
                let i = trace.cycles.count - 1
                let probabilities = LogProbabilities(lastLogits[...])
                trace.cycles[i].top = probabilities.top(capture.topK).map {
                    Candidate(id: $0.id, text: tokenizer.displayPiece($0.id), probability: Foundation.exp($0.logprob))
                }
                trace.cycles[i].entropy = lastLogits.indices.reduce(0.0) { sum, id in
                    let lp = probabilities[id]
                    return sum - Foundation.exp(lp) * lp
                }
                trace.cycles[i].milliseconds = Date().timeIntervalSince(cycleStart) * 1000
                trace.cycles[i].kvCacheTokens = (trace.cycles[i].positions.last ?? -1) + 1
            default:
                break
            }
        }
        var inputs: [[Int]] = [prompt]
        _ = try generator.generate(prompt: prompt, options: options) { token in
            let i = min(inputs.count - 1, trace.cycles.count - 1)
            trace.cycles[i].chosen = Candidate(id: token.id, text: tokenizer.displayPiece(token.id), probability: Foundation.exp(token.logprob))
            // Rank by logits: the same order as probabilities, without a second softmax.
            let chosenLogit = lastLogits[token.id]
            trace.cycles[i].chosenRank = lastLogits.reduce(0) { $1 > chosenLogit ? $0 + 1 : $0 }
            trace.cycles[i].attribution = Self.attribution(of: token.id, logit: Double(lastLogits[token.id]), parts: parts[i],
                                                            model: context.model)
            inputs.append([token.id])
            return true
        }
        handle.remove()
        for i in trace.cycles.indices where i < inputs.count { trace.cycles[i].inputTokens = inputs[i] }
        if capture.logitLens {
            for (i, rows) in residuals.enumerated() {
                let logits = context.logitLens(rows)
                for l in 0..<config.layers {
                    let lens = LogProbabilities(logits[(l * config.vocabulary)..<((l + 1) * config.vocabulary)])
                    trace.cycles[i].layers[l].logitLens = lens.top(capture.logitLensTop).map {
                        Candidate(id: $0.id, text: tokenizer.displayPiece($0.id), probability: Foundation.exp($0.logprob))
                    }
                }
            }
        }
        return trace
    }

    /// Direct logit attribution of `token` from one cycle's components (see ``LogitAttribution``).
    static func attribution(of token: Int, logit: Double, parts: [Float], model: LlamaModel) -> LogitAttribution {
        let dim = model.config.dim, layers = model.config.layers
        let direction = model.logitDirection(token)
        let final = parts[((1 + 2 * layers) * dim)...]
        let meanSquare = final.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(dim)
        let inverseRMS = 1 / Foundation.sqrt(meanSquare + model.config.rmsEpsilon)
        var components: [LogitAttribution.Component] = []
        for c in 0..<(1 + 2 * layers) {
            var dot = 0.0
            for j in 0..<dim { dot += Double(parts[c * dim + j]) * Double(direction[j]) }
            let name = c == 0 ? "embedding" : "L\((c - 1) / 2).\((c - 1) % 2 == 0 ? "attention" : "mlp")"
            components.append(.init(component: name, value: dot * inverseRMS))
        }
        let sum = components.reduce(0) { $0 + $1.value }
        components.sort { abs($0.value) > abs($1.value) }
        return LogitAttribution(token: token, logit: logit, remainder: logit - sum, components: components)
    }
}
