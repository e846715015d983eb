import Foundation
import LoupeCore
import LoupeNN
import Testing
@testable import LoupeTrain

/// Absurd sizes in a run file are refused before anything is allocated, naming the layer and the
/// memory it would need (they used to trap: SIGILL from an overflow or a failed allocation).
@Suite("Model sizes against the machine's memory")
struct ModelSizeTests {
    static func build(_ layers: [LayerSpec], input: [Int], outputs: Int? = nil, batch: Int = 64) throws -> Sequential {
        var spec = RunConfig.ModelSection()
        spec.input = input
        spec.layers = layers
        return try ModelBuilder.build(spec, sampleShape: [input.reduce(1, *)], outputs: outputs, seed: 1, batchSize: batch)
    }

    /// The layer a `tooLarge` error names, or nil for any other outcome.
    static func refusedLayer(_ layers: [LayerSpec], input: [Int], batch: Int = 64) -> String? {
        do {
            _ = try build(layers, input: input, batch: batch)
            return nil
        } catch let RunConfigError.tooLarge(error) {
            #expect(error.description.contains("this machine has"))
            return String(error.source.prefix { $0 != " " })
        } catch {
            Issue.record("expected tooLarge, got \(error)")
            return nil
        }
    }

    @Test func absurdLayersAreRefusedNamingThem() {
        #expect(Self.refusedLayer([.linear(units: 1_000_000_000_000)], input: [64]) == "model.layers[0]")
        #expect(Self.refusedLayer([.linear(units: 16), .linear(units: .max)], input: [64]) == "model.layers[1]")
        #expect(Self.refusedLayer([.conv2d(filters: 1_000_000_000, kernel: 3)], input: [1, 28, 28]) == "model.layers[0]")
        #expect(Self.refusedLayer([.conv2d(filters: 8, kernel: 3, padding: 100_000)], input: [1, 28, 28]) == "model.layers[0]")
        #expect(Self.refusedLayer([.conv2d(filters: 8, kernel: .max)], input: [1, 28, 28]) == "model.layers[0]")
        #expect(Self.refusedLayer([.conv2d(filters: 8, kernel: 3, padding: .max)], input: [1, 28, 28]) == "model.layers[0]")
        #expect(Self.refusedLayer([.embedding(vocab: 1_000_000_000_000, dim: 16)], input: [8]) == "model.layers[0]")
        #expect(Self.refusedLayer([.embedding(vocab: 100, dim: 16), .recurrent(.lstm, units: 32, layers: .max)], input: [8]) == "model.layers[1]")
        #expect(Self.refusedLayer([.gpt(layers: 2, heads: 4, dim: 1 << 20, block: 8, vocab: 100)], input: [8]) == "model.layers[0]")
        // A fine model with an absurd batch: its activations would not fit.
        #expect(Self.refusedLayer([.linear(units: 4096), .linear(units: 10)], input: [784], batch: 1 << 24) == "model.layers[0]")
    }

    @Test func theErrorSaysWhatItWouldNeed() {
        let error = RunConfigError.tooLarge(SizeError(source: "model.layers[0] (linear)", bytes: 16_000_000_000_000, limit: 24 << 30))
        #expect(error.description == "model.layers[0] (linear) would need 16 TB of memory; the limit is 24 GiB "
                + "(weights, gradients and optimizer state, and a batch's activations); make the layer or train.batch_size smaller")
        #expect(SizeError(source: "x", bytes: nil, limit: 1 << 30).description == "x would need more than 9.2 EB of memory; the limit is 1.0 GiB")
        // Compared with the machine's own memory, it says so.
        #expect(SizeError(source: "x", bytes: nil, limit: SizePolicy.availableBytes).description.contains("; this machine has "))
    }

    @Test func theEstimateCountsEveryParameterOfRealModels() throws {
        let cases: [([LayerSpec], [Int])] = [
            ([.linear(units: 32, activation: .relu), .dropout(rate: 0.1), .linear(units: 10)], [64]),
            ([.conv2d(filters: 8, kernel: 3, padding: 1), .batchNorm, .maxPool2d(size: 2), .flatten, .linear(units: 10)], [1, 8, 8]),
            ([.embedding(vocab: 50, dim: 16), .recurrent(.lstm, units: 24, layers: 2), .linear(units: 50)], [8]),
            ([.embedding(vocab: 50, dim: 16), .recurrent(.gru, units: 24), .layerNorm, .linear(units: 50)], [8]),
        ]
        for (layers, input) in cases {
            var budget = MemoryBudget(batchSize: 1)
            var shape = input
            let model = try Self.build(layers, input: input)
            // Re-walk the layers as the builder does, with the shapes it reached.
            var spec = RunConfig.ModelSection()
            spec.input = input
            for (i, layer) in layers.enumerated() {
                try budget.add(layer, key: "model.layers[\(i)]", input: shape, outputs: nil)
                spec.layers = Array(layers.prefix(i + 1))
                shape = try ModelBuilder.build(spec, sampleShape: [input.reduce(1, *)], outputs: nil, seed: 1)
                    .callAsFunction(Tensor.zeros([1] + input, dtype: input.count == 1 && layers.first.map { if case .embedding = $0 { true } else { false } } == true ? .int64 : .float32))
                    .shape.dropFirst().map { $0 }
            }
            #expect(budget.parameters == model.parameterCount, "\(layers)")
        }
    }

    @Test func theBudgetAddsUpToTheLimitItIsGiven() throws {
        // 64 → 4096: 266,240 parameters, 4.26 MB with gradients and optimizer state, plus 32 KB of
        // activations: within 5 MB, not within 4 MB.
        var roomy = MemoryBudget(batchSize: 1, limit: 5_000_000)
        try roomy.add(.linear(units: 4096), key: "model.layers[0]", input: [64], outputs: nil)
        #expect(roomy.parameters == 266_240 && roomy.activationsPerExample == 4096)
        var tight = MemoryBudget(batchSize: 1, limit: 4_000_000)
        #expect(throws: RunConfigError.tooLarge(SizeError(source: "model.layers[0] (linear)", bytes: 266_240 * 16 + 4096 * 8, limit: 4_000_000))) {
            try tight.add(.linear(units: 4096), key: "model.layers[0]", input: [64], outputs: nil)
        }
    }
}
