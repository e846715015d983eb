import Foundation
import LoupeCore
import LoupeNN
import Testing

/// Cross-entropy with ignored labels (the causal-LM loss mask): the mean −log p over the kept
/// rows, computed here in double precision; no gradient to ignored rows; an empty mask is an error.
struct MaskedLossTests {
    @Test func meanOverTheKeptRowsOnly() throws {
        var rng = RandomGenerator(seed: 71)
        let logitValues = try Tensor.normal([5, 7], std: 2, using: &rng).floats()
        let labels = [3, -100, 0, -100, 6]
        let logits = Tensor(logitValues, shape: [5, 7], requiresGrad: true)
        let loss = try Loss.crossEntropy(logits, Tensor(indices: labels), ignoreIndex: -100)
        var expected = 0.0
        for (row, label) in labels.enumerated() where label >= 0 {
            let z = (0..<7).map { Double(logitValues[row * 7 + $0]) }
            let m = z.max()!
            expected += m + log(z.map { exp($0 - m) }.reduce(0, +)) - z[label]
        }
        expected /= 3
        #expect(abs(try loss.item() - expected) < 1e-5)
        try loss.backward()
        let grad = logits.grad!.floats()
        #expect(grad[7..<14].allSatisfy { $0 == 0 } && grad[21..<28].allSatisfy { $0 == 0 })
        #expect(grad[0..<7].contains { $0 != 0 })
    }

    @Test func withNothingIgnoredItIsThePlainLoss() throws {
        var rng = RandomGenerator(seed: 72)
        let logits = try Tensor.normal([4, 5], using: &rng), labels = Tensor(indices: [1, 2, 3, 4])
        #expect(try Loss.crossEntropy(logits, labels, ignoreIndex: -100).item() == Loss.crossEntropy(logits, labels).item())
    }

    @Test func anEmptyMaskIsAnError() throws {
        #expect(throws: TensorError.self) { try Loss.crossEntropy(Tensor.zeros([2, 3]), Tensor(indices: [-100, -100]), ignoreIndex: -100) }
        #expect(throws: TensorError.self) { try Loss.crossEntropy(Tensor.zeros([2, 3]), Tensor(indices: [1]), ignoreIndex: -100) }
    }
}
