import Foundation
import LoupeCore
import Testing
@testable import LoupeLLM

/// The runtime's hook points, on the engine's forward hooks: what they report, that watching
/// changes nothing, and that edits made by a hook take effect.
struct LlamaHookTests {
    let prompt = [504, 3575, 282, 4649, 314]   // "The capital of France is"

    @Test func everyPointReportsItsShape() throws {
        let model = try LlamaRuntimeTests.model
        let c = model.config
        var seen: [(op: String, path: String?, shape: [Int])] = []
        let handle = Hooks.addForwardHook { seen.append(($0.op, $0.modulePath, $0.output.shape)) }
        defer { handle.remove() }
        _ = try LlamaContext(model: model).evaluate(prompt)
        #expect(seen.count == 1 + 6 * c.layers + 2)
        #expect(seen.first! == ("embedding", "embedding", [5, c.dim]))
        #expect(seen[1] == ("attention.probabilities", "blocks.0.attention", [c.heads, 5, 5]))
        #expect(seen[2] == ("attention.heads", "blocks.0.attention", [5, c.heads * c.headDim]))
        #expect(seen[3] == ("attention.output", "blocks.0.attention", [5, c.dim]))
        #expect(seen[4] == ("mlp.hidden", "blocks.0.mlp", [5, c.ffn]))
        #expect(seen[5] == ("mlp.output", "blocks.0.mlp", [5, c.dim]))
        #expect(seen[6] == ("residual", "blocks.0", [5, c.dim]))
        #expect(seen[seen.count - 2] == ("final_norm", "norm", [1, c.dim]))
        #expect(seen.last! == ("logits", "head", [1, c.vocabulary]))
        #expect(Set(seen.map(\.op)) == Set(LlamaHookPoint.allCases.map(\.rawValue)))
    }

    @Test func blockEventsCarryTheirLayerAsData() throws {
        let model = try LlamaRuntimeTests.model
        var seen: [(op: String, path: String?, layer: Int?)] = []
        let handle = Hooks.addForwardHook { seen.append(($0.op, $0.modulePath, $0.layer)) }
        defer { handle.remove() }
        _ = try LlamaContext(model: model).evaluate(prompt)
        for event in seen {
            let point = try #require(LlamaHookPoint(rawValue: event.op))
            if point.isInBlock {
                let layer = try #require(event.layer, "\(event.op) at \(event.path ?? "-") has no layer")
                #expect(event.path == point.modulePath(layer: layer))
            } else {
                #expect(event.layer == nil, "\(event.op) is not inside a block")
            }
        }
        #expect(seen.compactMap(\.layer) == (0..<model.config.layers).flatMap { Array(repeating: $0, count: 6) })
    }

    @Test func attentionProbabilitiesAreCausalDistributions() throws {
        let model = try LlamaRuntimeTests.model
        let context = LlamaContext(model: model)
        _ = try context.evaluate(Array(prompt.prefix(2)))
        var rows: [Float] = [], shape: [Int] = []
        let handle = Hooks.addForwardHook(scope: .module("blocks.7.attention")) { event in
            if event.op == "attention.probabilities" { rows = event.output.floats(); shape = event.output.shape }
        }
        defer { handle.remove() }
        _ = try context.evaluate(Array(prompt.dropFirst(2)))   // 3 new tokens after 2 cached
        #expect(shape == [model.config.heads, 3, 5])
        for h in 0..<shape[0] {
            for i in 0..<3 {
                let row = rows[((h * 3 + i) * 5)..<((h * 3 + i + 1) * 5)]
                #expect(abs(row.reduce(0, +) - 1) < 1e-5)
                #expect(row.dropFirst(2 + i + 1).allSatisfy { $0 == 0 }, "token \(i) must not see later positions")
            }
        }
    }

    @Test func watchingChangesNothing() throws {
        let model = try LlamaRuntimeTests.model
        let plain = try LlamaContext(model: model).evaluate(prompt, logits: .all)
        var events = 0
        let handle = Hooks.addForwardHook { _ in events += 1 }
        defer { handle.remove() }
        let watched = try LlamaContext(model: model).evaluate(prompt, logits: .all)
        #expect(events > 0 && watched == plain)
    }

    @Test func hooksCanIntervene() throws {
        let model = try LlamaRuntimeTests.model
        let plain = try LlamaContext(model: model).evaluate(prompt)
        // Zero-ablate layer 3's MLP: the prediction must move.
        let handle = Hooks.addForwardHook(scope: .module("blocks.3.mlp")) { event in
            guard event.op == "mlp.output" else { return }
            try event.output.assign(Tensor.zeros(event.output.shape))
        }
        let ablated = try LlamaContext(model: model).evaluate(prompt)
        handle.remove()
        let restored = try LlamaContext(model: model).evaluate(prompt)
        let change = zip(ablated, plain).map { abs($0 - $1) }.max()!
        #expect(change > 0.1, "ablating an MLP changed the logits by only \(change)")
        #expect(restored == plain)
    }
}
