import LoupeCore
import Testing

/// The 2×2 max pool's inference path (vectors, no argmax) against the training path.
struct PoolingInferenceTests {
    @Test(arguments: [(26, 26), (13, 13), (40, 9), (7, 33)])
    func inferencePathEqualsTrainingPath(height: Int, width: Int) throws {
        var rng = RandomGenerator(seed: 4)
        var values = try Tensor.normal([2, 3, height, width], using: &rng).floats()
        values[5] = .nan
        values[width * 2 + 17 % width] = .infinity
        let trained = Tensor(values, shape: [2, 3, height, width], requiresGrad: true)
        let expected = try trained.maxPool2d(kernel: 2).floats()
        let got = try GradMode.withoutGrad { try Tensor(values, shape: [2, 3, height, width]).maxPool2d(kernel: 2) }.floats()
        #expect(got.count == expected.count)
        for (a, b) in zip(got, expected) { #expect(a == b || a.isNaN && b.isNaN) }
    }
}
