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
                if let l = layerIndex(event.modulePath) { trace.cycles[trace.cycles.count - 1].layers[l].attentionNorm = norm(lastRow(event.output)) }
            case LlamaHookPoint.mlpOutput.rawValue:
                if let l = layerIndex(event.modulePath) { trace.cycles[trace.cycles.count - 1].layers[l].mlpNorm = norm(lastRow(event.output)) }
            case LlamaHookPoint.residual.rawValue:
                guard let l = layerIndex(event.modulePath) else { return }
                let row = lastRow(event.output)
                let now = Date()
                trace.cycles[trace.cycles.count - 1].layers[l].residualNorm = norm(row)
                trace.cycles[trace.cycles.count - 1].layers[l].milliseconds = now.timeIntervalSince(layerStart) * 1000
                layerStart = now
                if capture.logitLens { residuals[residuals.count - 1].replaceSubrange((l * config.dim)..<((l + 1) * config.dim), with: row) }
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
            let probabilities = LogProbabilities(lastLogits[...])
            trace.cycles[i].chosen = Candidate(id: token.id, text: tokenizer.displayPiece(token.id), probability: Foundation.exp(token.logprob))
            trace.cycles[i].chosenRank = lastLogits.indices.filter { probabilities[$0] > token.logprob }.count
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
}
