import Foundation
import LoupeCore
@testable import LoupeNN
import LoupeTestSupport
import Testing

/// LoRA adapters: the base model at the start, the merged weight equal to the adapter's forward,
/// gradients by finite differences, only the adapter trainable.
struct LoRATests {
    static func adapter(rank: Int = 2, alpha: Double = 4, dtype: DType = .float32, seed: UInt64 = 51) throws -> (LoRALinear, Tensor) {
        var rng = RandomGenerator(seed: seed)
        let w = try Tensor.normal([5, 7], dtype: dtype, using: &rng)
        return (try LoRALinear(base: w, rank: rank, alpha: alpha, using: &rng), w)
    }

    @Test func startsAtTheBaseModel() throws {
        let (lora, w) = try Self.adapter()
        var rng = RandomGenerator(seed: 52)
        let x = try Tensor.normal([3, 4, 7], using: &rng)
        #expect(try lora(x).floats() == x.matmul(w.transposed()).floats())
        #expect(lora.namedParameters().map(\.name).sorted() == ["loraA", "loraB"])
    }

    @Test(arguments: [1, 2, 5])
    func mergedWeightEqualsTheAdapter(rank: Int) throws {
        let (lora, _) = try Self.adapter(rank: rank, alpha: 16)
        var rng = RandomGenerator(seed: 53)
        lora.loraB.value = try Tensor.normal(lora.loraB.shape, using: &rng)
        let x = try Tensor.normal([6, 7], using: &rng)
        let adapted = try lora(x).floats(), merged = try x.matmul(lora.mergedWeight().transposed()).floats()
        let worst = zip(adapted, merged).map { abs($0 - $1) / max(1, abs($1)) }.max()!
        #expect(worst <= 1e-5, "rank \(rank): \(worst)")
        #expect(lora.scale == 16 / Double(rank))
    }

    @Test func gradientsPassFiniteDifferences() throws {
        let (lora, _) = try Self.adapter(dtype: .float64)
        var rng = RandomGenerator(seed: 54)
        let inputs = [try Tensor.normal([3, 7], dtype: .float64, using: &rng), try Tensor.normal(lora.loraA.shape, dtype: .float64, using: &rng),
                      try Tensor.normal(lora.loraB.shape, dtype: .float64, using: &rng)]
        let result = try gradcheck({ xs in
            lora.loraA.value = xs[1]
            lora.loraB.value = xs[2]
            return try lora(xs[0])
        }, inputs: inputs)
        #expect(result.passed, "\(result)")
    }

    @Test func theBaseReceivesNoGradient() throws {
        let (lora, w) = try Self.adapter()
        var rng = RandomGenerator(seed: 55)
        lora.loraB.value = try Tensor.normal(lora.loraB.shape, using: &rng)
        try lora(try Tensor.normal([2, 7], using: &rng)).sum().backward()
        #expect(lora.base.grad == nil && w.grad == nil)
        #expect(lora.loraA.grad != nil && lora.loraB.grad != nil)
    }

    @Test func badSettingsAreErrors() throws {
        var rng = RandomGenerator(seed: 56)
        let w = Tensor.zeros([5, 7])
        #expect(throws: TensorError.self) { try LoRALinear(base: w, rank: 0, alpha: 8, using: &rng) }
        #expect(throws: TensorError.self) { try LoRALinear(base: w, rank: 6, alpha: 8, using: &rng) }
        #expect(throws: TensorError.self) { try LoRALinear(base: w, rank: 2, alpha: 0, using: &rng) }
        #expect(throws: TensorError.self) { try LoRALinear(base: Tensor.zeros([7]), rank: 1, alpha: 8, using: &rng) }
        let (lora, _) = try Self.adapter()
        #expect(throws: TensorError.self) { try lora(Tensor.zeros([2, 6])) }
    }
}
