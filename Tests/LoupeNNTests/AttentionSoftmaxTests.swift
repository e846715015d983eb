import Foundation
import LoupeCore
@testable import LoupeNN
import LoupeTestSupport
import Testing

/// The fused `attention_softmax` against the composed scale + mask + softmax it replaced.
struct AttentionSoftmaxTests {
    @Test(arguments: [(true, 5), (false, 5), (true, 40), (false, 33)])
    func fusedEqualsComposed(causal: Bool, width: Int) throws {
        var rng = RandomGenerator(seed: 31)
        let values = try Tensor.normal([2, 3, width, width], std: 3, using: &rng).floats()
        let scale = 1 / 8.0.squareRoot()
        func run(_ f: (Tensor) throws -> Tensor) throws -> ([Float], [Float]) {
            let x = Tensor(values, shape: [2, 3, width, width], requiresGrad: true)
            let y = try f(x)
            let upstream = Tensor((0..<y.count).map { Float(cos(Double($0) * 0.7)) }, shape: y.shape)
            try (y * upstream).sum().backward()
            return (y.floats(), x.grad!.floats())
        }
        let fused = try run { try $0.attentionSoftmax(scale: scale, causal: causal) }
        let composed = try run { try MultiHeadAttention.composedWeights($0, scale: scale, causal: causal) }
        for (name, a, b) in [("y", fused.0, composed.0), ("dx", fused.1, composed.1)] {
            let worst = zip(a, b).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-5, "\(name) causal \(causal) width \(width): \(worst)")
        }
    }

    @Test(arguments: [true, false])
    func fusedPassesGradcheck(causal: Bool) throws {
        var rng = RandomGenerator(seed: 32)
        let result = try gradcheck({ xs in try xs[0].attentionSoftmax(scale: 0.35, causal: causal) },
                                   inputs: [try Tensor.normal([2, 6, 6], dtype: .float64, using: &rng)])
        #expect(result.passed, "\(result)")
    }
}
