import LoupeCore
import LoupeNN
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeNN, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func moduleExample() throws {
        // example: Module
        final class MLP: Module {
            let fc1: Linear, fc2: Linear

            init(using rng: inout RandomGenerator) throws {
                fc1 = try Linear(784, 128, using: &rng)
                fc2 = try Linear(128, 10, using: &rng)
                super.init()
            }

            override func forward(_ x: Tensor) throws -> Tensor { try fc2(fc1(x).relu()) }
        }

        var rng = RandomGenerator(seed: 1)
        let mlp = try MLP(using: &rng)
        let logits = try mlp(Tensor.zeros([32, 784]))   // [32, 10]; parameters: fc1.weight, fc1.bias, …
        // end example
        #expect(logits.shape == [32, 10])
        #expect(mlp.namedParameters().map(\.0) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeNN/Module.swift", markedAs: "Module", in: #filePath) == nil)
    }
}

struct QuantizationDocExampleTests {
    @Test func int8ConversionExample() throws {
        var rng = RandomGenerator(seed: 2)
        let model = Sequential([try Linear(16, 8, using: &rng), Activation(.relu), try Linear(8, 3, using: &rng)])
        let batch = try Tensor.normal([4, 16], using: &rng)
        // example: Int8Conversion
        let quantized = try Int8Conversion.quantize(model, activations: .dynamic)
        let logits = try quantized(batch)      // the int8 kernels, ~¼ of the weights' bytes
        // end example
        #expect(logits.shape == [4, 3])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeNN/Quantized/Int8Conversion.swift", markedAs: "Int8Conversion", in: #filePath) == nil)
    }
}
