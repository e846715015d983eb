import Foundation
import LoupeCore
import LoupeGGUF
import LoupeLLM
import Testing
@testable import LoupeTrace

/// The tracer records in the generating forward passes: tracing changes nothing, every cycle has
/// one record per block, and the logit lens after the last block is the model's own distribution.
struct InferenceTracerTests {
    static let loaded: Result<(LlamaModel, BPETokenizer), Error> = Result {
        let file = try GGUFFile(contentsOf: DefaultModel.resolve(nil))
        return (try LlamaModel(gguf: file), try BPETokenizer(gguf: file))
    }
    let prompt = [504, 3575, 282, 4649, 314]   // "The capital of France is"

    func tracer(lens: Bool) throws -> InferenceTracer {
        let (model, tokenizer) = try Self.loaded.get()
        var capture = TraceCapture()
        capture.logitLens = lens
        return InferenceTracer(generator: TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer), capture: capture)
    }

    var greedy: GenerationOptions {
        var o = GenerationOptions()
        o.sampling = .greedy
        o.maxTokens = 4
        return o
    }

    @Test func cyclesHoldEveryLayerAndTracingChangesNothing() throws {
        let trace = try tracer(lens: false).trace(prompt: prompt, options: greedy)
        let (model, tokenizer) = try Self.loaded.get()
        let plain = try TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer).generate(prompt: prompt, options: greedy)
        #expect(trace.cycles.count == 4)
        #expect(trace.cycles.map { $0.chosen?.id } == plain.tokens.map(\.id))
        #expect(trace.cycles[0].inputTokens == prompt && trace.cycles[0].positions == [0, 1, 2, 3, 4])
        #expect(trace.cycles[1].inputTokens == [plain.tokens[0].id] && trace.cycles[1].positions == [5])
        for cycle in trace.cycles {
            #expect(cycle.layers.count == model.config.layers)
            #expect(cycle.layers.allSatisfy { $0.heads.count == model.config.heads && $0.residualNorm > 0 && $0.mlpNorm > 0 })
            #expect(cycle.chosenRank == 0 && cycle.top.first?.id == cycle.chosen?.id)
            #expect(cycle.kvCacheTokens == cycle.positions.last! + 1)
            for head in cycle.layers[0].heads {
                #expect(head.top.allSatisfy { $0.position <= cycle.positions.last! })
            }
        }
        let json = try JSONEncoder().encode(trace)
        let object = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        #expect((object["cycles"] as? [[String: Any]])?.first?["layers"] is [Any])
    }

    @Test func theLogitLensAfterTheLastLayerIsTheFinalDistribution() throws {
        let trace = try tracer(lens: true).trace(prompt: prompt, options: greedy)
        // The lens runs the final norm and the head in float32 by sgemm over every recorded row; the
        // model's own logits came from the int16 kernels (generated cycles) or the batched float
        // path (the prompt): the same distribution up to rounding.
        for cycle in trace.cycles {
            let lens = try #require(cycle.layers.last?.logitLens)
            #expect(lens.count == 5)
            #expect(lens.map(\.id) == Array(cycle.top.prefix(lens.count)).map(\.id), "cycle \(cycle.index)")
            for (a, b) in zip(lens, cycle.top) { #expect(abs(a.probability - b.probability) < 2e-3, "cycle \(cycle.index): \(a) vs \(b)") }
        }
        // Early layers read differently: the lens shows the prediction forming.
        #expect(trace.cycles[1].layers[0].logitLens?.first?.id != trace.cycles[1].top.first?.id)
    }

    /// The batched lens equals the one-row-at-a-time lens on the model's own kernels.
    @Test func batchedLensMatchesTheRowLens() throws {
        let (model, _) = try Self.loaded.get()
        let context = LlamaContext(model: model)
        var residuals: [Float] = []
        let handle = Hooks.addForwardHook { event in
            if event.op == "residual" { residuals += event.output.floats().suffix(model.config.dim) }
        }
        _ = try context.evaluate(prompt)
        handle.remove()
        let batched = context.logitLens(residuals, top: 3)
        let rows = context.logitLens(residuals)
        let v = model.config.vocabulary
        for l in 0..<model.config.layers {
            let exact = LogProbabilities(rows[(l * v)..<((l + 1) * v)])
            let entropy = (0..<v).reduce(0.0) { $0 - Foundation.exp(exact[$1]) * exact[$1] }
            #expect(batched[l].top.map(\.id) == exact.top(3).map(\.id), "layer \(l)")
            #expect(abs(batched[l].entropy - entropy) < 5e-3 * max(1, entropy), "layer \(l)")
            #expect(abs(batched[l].logSumExp - exact.logSumExp) < 2e-2, "layer \(l)")
        }
    }
}

/// Direct logit attribution adds up: embedding + every attention and MLP output, read through the
/// final norm's direction for the chosen token, give the model's logit up to the documented
/// remainder (the int16 rounding of the head's input, small next to the logit).
struct LogitAttributionTests {
    @Test func componentsAddUpToTheChosenLogit() throws {
        let (model, tokenizer) = try InferenceTracerTests.loaded.get()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 3
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer))
        let trace = try tracer.trace(prompt: [504, 3575, 282, 4649, 314], options: options)
        for cycle in trace.cycles {
            let a = try #require(cycle.attribution)
            #expect(a.token == cycle.chosen?.id)
            #expect(a.components.count == 1 + 2 * model.config.layers)
            // The components are computed from the captured rows alone; only the logit comes from
            // the model. Their sum must reproduce it.
            let sum = a.components.reduce(0) { $0 + $1.value }
            #expect(abs(a.logit - sum) < 0.05 + 0.01 * abs(a.logit), "cycle \(cycle.index): Σ components \(sum) vs logit \(a.logit)")
            #expect(zip(a.components, a.components.dropFirst()).allSatisfy { abs($0.value) >= abs($1.value) })
        }
    }

    /// Each layer's heads add up to its attention component, and a target-minus-distractor
    /// contrast adds up to the logit difference, in every cycle.
    @Test func headsAndContrastsAddUp() throws {
        let (model, tokenizer) = try InferenceTracerTests.loaded.get()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 2
        var capture = TraceCapture()
        capture.contrast = TokenPair(target: InterventionTests.paris, distractor: InterventionTests.berlin)
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer), capture: capture)
        let trace = try tracer.trace(prompt: InterventionTests.france, options: options)
        for cycle in trace.cycles {
            for attribution in [cycle.attribution, cycle.contrast] {
                let a = try #require(attribution)
                let heads = try #require(a.heads)
                #expect(heads.count == model.config.layers * model.config.heads)
                for l in [0, 7, 29] {
                    let layer = a.components.first { $0.component == "L\(l).attention" }!.value
                    let sum = heads.filter { $0.component.hasPrefix("L\(l).H") }.reduce(0) { $0 + $1.value }
                    #expect(abs(sum - layer) < 0.02 + 0.01 * abs(layer), "cycle \(cycle.index) L\(l): heads \(sum) vs attention \(layer)")
                }
            }
            let contrast = try #require(cycle.contrast)
            #expect(contrast.token == InterventionTests.paris && contrast.distractor == InterventionTests.berlin)
            let sum = contrast.components.reduce(0) { $0 + $1.value }
            #expect(abs(contrast.logit - sum) < 0.05 + 0.01 * abs(contrast.logit))
        }
        // "Paris, not Berlin" after "The capital of France is": the difference is large and positive.
        #expect(trace.cycles[0].contrast!.logit > 3)
        #expect(trace.cycles[0].sampler == SamplerState(temperature: 0, kept: 1, keptProbability: trace.cycles[0].top[0].probability, chosenProbability: 1))
    }
}
