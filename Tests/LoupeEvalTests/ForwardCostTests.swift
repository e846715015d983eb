import LoupeCore
import LoupeNN
import LoupeTestSupport
import Testing
@testable import LoupeEval

/// FLOPs counted from the engine's events against counts made by hand.
struct ForwardCostTests {
    @Test func example() throws {
        var rng = RandomGenerator(seed: 1)
        // example: ForwardCost
        let model = try Linear(64, 10, using: &rng)
        let cost = try ForwardCost.measure { _ = try model(Tensor.zeros([8, 64])) }
        let flops = cost.flops    // 2 · 8 · 64 · 10 = 10,240
        // end example
        #expect(flops == 10_240)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeEval/ForwardCost.swift", markedAs: "ForwardCost", in: #filePath) == nil)
    }

    @Test("an MLP: 2·B·(in·hidden + hidden·out); memory traffic counts every op")
    func mlp() throws {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([try Linear(64, 32, using: &rng), Activation(.relu), try Linear(32, 10, using: &rng)])
        let cost = try ForwardCost.measure { _ = try model(Tensor.zeros([4, 64])) }
        let expected = 2 * 4 * (64 * 32 + 32 * 10)
        #expect(cost.flops == expected)
        #expect(cost.ops["matmul"]?.calls == 2)
        // Reading x [4, 64] and W [64, 32] and writing [4, 32], in float32, is the first matmul's share.
        let firstMatmul: Int = 4 * (4 * 64 + 64 * 32 + 4 * 32)
        #expect(cost.bytes >= firstMatmul)
        #expect(cost.ops.keys.contains { $0 != "matmul" })
    }

    @Test("a convolution: 2 · N·OC·OH·OW · C·KH·KW")
    func convolution() throws {
        var rng = RandomGenerator(seed: 1)
        let conv = try Conv2d(3, 8, kernel: 3, padding: 1, using: &rng)
        let cost = try ForwardCost.measure { _ = try conv(Tensor.zeros([2, 3, 8, 8])) }
        #expect(cost.flops == 2 * (2 * 8 * 8 * 8) * (3 * 3 * 3))
        // Stride 2, no padding: a 3×3 output.
        let strided = try Conv2d(3, 4, kernel: 3, stride: 2, using: &rng)
        let small = try ForwardCost.measure { _ = try strided(Tensor.zeros([1, 3, 8, 8])) }
        #expect(small.flops == 2 * (4 * 3 * 3) * 27)
        // Nothing is counted outside `measure`.
        _ = try conv(Tensor.zeros([1, 3, 8, 8]))
        #expect(cost.flops == 2 * (2 * 8 * 8 * 8) * (3 * 3 * 3))
    }
}
