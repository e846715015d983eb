import Foundation
import LoupeLLM
import Testing
@testable import LoupeTrace

/// Re-running cycles with interventions: with none, the traced run comes back bit-for-bit; ablating
/// a layer's heads moves the prediction and undoing it restores the logits exactly; patching a
/// position with its own activation changes nothing, and with another prompt's it moves the answer.
struct InterventionTests {
    static let france = [504, 3575, 282, 4649, 314]    // "The capital of France is"
    static let germany = [504, 3575, 282, 4521, 314]   // "The capital of Germany is"
    static let paris = 7042, berlin = 11452             // " Paris", " Berlin"

    static func traced(_ prompt: [Int], steps: Int = 3) throws -> (Trace, CycleReplayer) {
        let (model, tokenizer) = try InferenceTracerTests.loaded.get()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = steps
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer))
        let trace = try tracer.trace(prompt: prompt, options: options)
        return (trace, CycleReplayer(model: model, tokenizer: tokenizer, trace: trace))
    }

    @Test func replayWithoutInterventionsIsTheTracedRun() throws {
        let (trace, replayer) = try Self.traced(Self.france)
        for cycle in trace.cycles {
            let replayed = try replayer.replay(cycle: cycle.index, topK: cycle.top.count)
            #expect(replayed.top == cycle.top, "cycle \(cycle.index)")
            #expect(replayed.entropy == cycle.entropy)
        }
    }

    @Test func zeroAblatingEveryHeadOfALayerChangesTheOutputAndRestoringRestoresIt() throws {
        let (trace, replayer) = try Self.traced(Self.france)
        let heads = try InferenceTracerTests.loaded.get().0.config.heads
        let baseline = try replayer.replay(cycle: 2)
        let ablated = try replayer.replay(cycle: 2, interventions: (0..<heads).map { .ablateHead(layer: 4, head: $0) })
        let change = zip(ablated.logits, baseline.logits).map { abs($0 - $1) }.max()!
        #expect(change > 0.1, "ablating layer 4's heads moved the logits by only \(change)")
        let restored = try replayer.replay(cycle: 2)
        #expect(restored.logits == baseline.logits)
        #expect(restored.top == trace.cycles[2].top)
        // Ablating all heads is the same as zeroing the attention output (W_o · 0 = 0) up to
        // nothing at all: the layer ablation zeroes the MLP too, so it differs again.
        let layer = try replayer.replay(cycle: 2, interventions: [.ablateLayer(layer: 4)])
        #expect(layer.logits != ablated.logits)
        let neuron = try replayer.replay(cycle: 2, interventions: [.ablateNeuron(layer: 4, neuron: 17)])
        #expect(neuron.logits != baseline.logits)
    }

    @Test func patchingAPositionWithItsOwnActivationChangesNothing() throws {
        let (trace, replayer) = try Self.traced(Self.france)
        let baseline = try replayer.replay(cycle: 1)
        for (layer, position) in [(0, 0), (12, 4), (29, 5)] {
            let own = try replayer.residual(layer: layer, position: position)
            let patched = try replayer.replay(cycle: 1, interventions: [.patchResidual(layer: layer, position: position, values: own, source: "itself")])
            #expect(patched.logits == baseline.logits, "L\(layer) @\(position)")
        }
        #expect(trace.cycles[0].top.first?.id == Self.paris)
    }

    /// The textbook picture, measured: the country sits at its own position (3) through the middle
    /// layers and reaches the last position (4) between layers 22 and 26.
    @Test func patchingFromAnotherPromptMovesTheAnswer() throws {
        let (_, replayer) = try Self.traced(Self.france, steps: 1)
        let (_, donor) = try Self.traced(Self.germany, steps: 1)
        func top(layer: Int, position: Int) throws -> Int? {
            let values = try donor.residual(layer: layer, position: position)
            return try replayer.replay(cycle: 0, interventions: [.patchResidual(layer: layer, position: position, values: values, source: "Germany")]).top.first?.id
        }
        #expect(try top(layer: 10, position: 3) == Self.berlin)
        #expect(try top(layer: 10, position: 4) == Self.paris)
        #expect(try top(layer: 26, position: 4) == Self.berlin)
    }

    @Test func outOfRangeRequestsAreClearErrors() throws {
        let (_, replayer) = try Self.traced(Self.france, steps: 1)
        #expect(throws: TraceError.self) { try replayer.replay(cycle: 5) }
        #expect(throws: TraceError.self) { try replayer.replay(cycle: 0, interventions: [.ablateHead(layer: 0, head: 99)]) }
        #expect(throws: TraceError.self) { try replayer.replay(cycle: 0, interventions: [.ablateNeuron(layer: 40, neuron: 0)]) }
        #expect(throws: TraceError.self) { try replayer.residual(layer: 3, position: 50) }
    }

    /// A prompt longer than the context's batch takes several forward passes: they form one cycle,
    /// the chosen tokens stay aligned with their distributions, and activations are read from the
    /// pass that holds them.
    @Test func aPromptLongerThanTheBatchIsOneCycle() throws {
        let (model, tokenizer) = try InferenceTracerTests.loaded.get()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 3
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: model, maxBatch: 2), tokenizer: tokenizer))
        let trace = try tracer.trace(prompt: Self.france, options: options)
        let (reference, referenceReplayer) = try Self.traced(Self.france)
        #expect(trace.cycles.count == 3)
        #expect(trace.cycles[0].positions == [0, 1, 2, 3, 4] && trace.cycles[0].inputTokens == Self.france)
        #expect(trace.cycles.map { $0.chosen?.id } == reference.cycles.map { $0.chosen?.id })
        for cycle in trace.cycles { #expect(cycle.top.first?.id == cycle.chosen?.id && cycle.chosenRank == 0) }
        #expect(tracer.chromeTrace(of: trace).traceEvents.filter { $0.cat == "cycle" }.count == 3 + 2)   // the prompt took 3 passes
        #expect(trace.cycles[0].milliseconds > 0 && trace.cycles[0].layers[0].milliseconds > 0)
        let replayer = CycleReplayer(model: model, tokenizer: tokenizer, trace: trace, maxBatch: 2)
        let late = try replayer.residual(layer: 6, position: 4)
        let expected = try referenceReplayer.residual(layer: 6, position: 4)
        #expect(late.count == model.config.dim && zip(late, expected).allSatisfy { abs($0 - $1) < 1e-3 })
    }
}
