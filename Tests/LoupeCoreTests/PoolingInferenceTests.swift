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

/// The 2×2 max pool's vector training path against a plain definition: values, and the gradient
/// routed to the first maximal element of each window (ties and NaN included).
struct PoolingTrainingTests {
    @Test(arguments: [(26, 26), (13, 13), (40, 9), (7, 33)])
    func forwardAndGradientMatchTheDefinition(height: Int, width: Int) throws {
        var rng = RandomGenerator(seed: 6)
        // Rounded values make ties common; one NaN and one +∞.
        var values = try Tensor.normal([2, 3, height, width], using: &rng).floats().map { ($0 * 2).rounded() / 2 }
        values[3] = .nan
        values[width + 20 % width] = .infinity
        let x = Tensor(values, shape: [2, 3, height, width], requiresGrad: true)
        let y = try x.maxPool2d(kernel: 2)
        let (oh, ow) = (height / 2, width / 2)
        let upstream = (0..<y.count).map { Float($0 % 7) + 1 }
        try (y * Tensor(upstream, shape: y.shape)).sum().backward()
        var expectedY: [Float] = [], expectedGrad = [Float](repeating: 0, count: values.count)
        for plane in 0..<6 {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let base = plane * height * width
                    var best = values[base + 2 * oy * width + 2 * ox], at = base + 2 * oy * width + 2 * ox
                    for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                        let i = base + (2 * oy + dy) * width + 2 * ox + dx
                        if values[i] > best || values[i].isNaN && !best.isNaN { best = values[i]; at = i }
                    }
                    expectedY.append(best)
                    expectedGrad[at] += upstream[(plane * oh + oy) * ow + ox]
                }
            }
        }
        for (a, b) in zip(y.floats(), expectedY) { #expect(a == b || a.isNaN && b.isNaN) }
        #expect(x.grad!.floats() == expectedGrad)
    }
}
