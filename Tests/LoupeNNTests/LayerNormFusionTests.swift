import Foundation
import LoupeCore
@testable import LoupeNN
import LoupeTestSupport
import Testing

/// The fused `layer_norm` op against the composed reference it replaced, values and gradients.
struct LayerNormFusionTests {
    @Test(arguments: [5, 37, 128])
    func fusedEqualsComposed(width: Int) throws {
        var rng = RandomGenerator(seed: 21)
        let norm = LayerNorm(width)
        norm.weight.value = try Tensor.normal([width], using: &rng)
        norm.bias.value = try Tensor.normal([width], using: &rng)
        let values = try Tensor.normal([3, 7, width], mean: 0.5, std: 2, using: &rng).floats()
        func run(_ forward: (Tensor) throws -> Tensor) throws -> (y: [Float], dx: [Float], dw: [Float], db: [Float]) {
            norm.zeroGrad()
            let x = Tensor(values, shape: [3, 7, width], requiresGrad: true)
            let y = try forward(x)
            let upstream = Tensor((0..<y.count).map { Float(sin(Double($0))) }, shape: y.shape)
            try (y * upstream).sum().backward()
            return (y.floats(), x.grad!.floats(), norm.weight.grad!.floats(), norm.bias.grad!.floats())
        }
        let fused = try run { try norm($0) }, composed = try run { try norm.composedForward($0) }
        for (name, a, b) in [("y", fused.y, composed.y), ("dx", fused.dx, composed.dx), ("dγ", fused.dw, composed.dw), ("dβ", fused.db, composed.db)] {
            let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst < 1e-4, "\(name), width \(width): \(worst)")
        }
    }

    @Test func fusedPassesGradcheckOnAVectorWidth() throws {
        var rng = RandomGenerator(seed: 22)
        let inputs = [try Tensor.normal([4, 37], dtype: .float64, using: &rng), try Tensor.normal([37], dtype: .float64, using: &rng),
                      try Tensor.normal([37], dtype: .float64, using: &rng)]
        let result = try gradcheck({ xs in try xs[0].layerNorm(weight: xs[1], bias: xs[2], eps: 1e-5) }, inputs: inputs)
        #expect(result.passed, "\(result)")
    }

    @Test func badShapesAreErrors() throws {
        #expect(throws: TensorError.self) { try Tensor.zeros([2, 4]).layerNorm(weight: Tensor.ones([3]), bias: Tensor.zeros([4]), eps: 1e-5) }
        #expect(throws: TensorError.self) { try Tensor(indices: [1, 2]).layerNorm(weight: Tensor.ones([2]), bias: Tensor.zeros([2]), eps: 1e-5) }
    }
}
