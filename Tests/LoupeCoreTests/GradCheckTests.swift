import Testing
@testable import LoupeCore

/// Finite-difference checks (Float64, central differences) of every differentiable op, including
/// broadcasting, strided views and non-default axes.
@Suite("Gradcheck: every differentiable op")
struct GradCheckTests {
    struct Case: CustomStringConvertible, Sendable {
        let description: String
        let shapes: [[Int]]
        /// Inputs are uniform in this range (kept away from kinks and domain edges where needed).
        var low = -2.0, high = 2.0
        /// Finite-difference step and tolerance; float32 round trips need a larger step.
        var epsilon = 1e-6, tolerance = 1e-5
        let f: @Sendable ([Tensor]) throws -> Tensor
    }

    static let indices2x3 = Tensor(indices: [2, 0, 1, 1, 3, 0], shape: [2, 3])

    static let cases: [Case] = [
        Case(description: "add", shapes: [[3, 4], [3, 4]]) { try $0[0] + $0[1] },
        Case(description: "add broadcast", shapes: [[2, 3, 4], [3, 1]]) { try $0[0] + $0[1] },
        Case(description: "sub broadcast", shapes: [[4], [3, 4]]) { try $0[0] - $0[1] },
        Case(description: "mul broadcast", shapes: [[2, 1, 4], [3, 1]]) { try $0[0] * $0[1] },
        Case(description: "div broadcast", shapes: [[3, 4], [4]], low: 0.5, high: 2) { try $0[0] / $0[1] },
        Case(description: "scalar ops", shapes: [[5]]) { try (2 - $0[0] * 3 + 1) / 4 },
        Case(description: "neg", shapes: [[6]]) { try -$0[0] },
        Case(description: "exp", shapes: [[7]]) { try $0[0].exp() },
        Case(description: "log", shapes: [[7]], low: 0.2, high: 3) { try $0[0].log() },
        Case(description: "sqrt", shapes: [[7]], low: 0.2, high: 3) { try $0[0].sqrt() },
        Case(description: "rsqrt", shapes: [[7]], low: 0.2, high: 3) { try $0[0].rsqrt() },
        Case(description: "abs", shapes: [[9]]) { try $0[0].abs() },
        Case(description: "pow scalar", shapes: [[6]], low: 0.2, high: 2) { try $0[0].pow(2.7) },
        Case(description: "pow scalar integer", shapes: [[6]]) { try $0[0].pow(3) },
        Case(description: "pow tensor broadcast", shapes: [[3, 4], [4]], low: 0.3, high: 2) { try $0[0].pow($0[1]) },
        Case(description: "maximum broadcast", shapes: [[3, 4], [4]]) { try $0[0].maximum($0[1]) },
        Case(description: "minimum broadcast", shapes: [[3, 1], [3, 4]]) { try $0[0].minimum($0[1]) },
        Case(description: "clamp", shapes: [[12]]) { try $0[0].clamp(min: -0.7, max: 0.9) },
        Case(description: "where broadcast", shapes: [[3, 4], [4], [3, 1]]) {
            try Tensor.where($0[0].gt(0), $0[1], $0[2])
        },
        Case(description: "relu", shapes: [[10]]) { try $0[0].relu() },
        Case(description: "leaky_relu", shapes: [[10]]) { try $0[0].leakyRelu(slope: 0.2) },
        Case(description: "gelu erf", shapes: [[10]]) { try $0[0].gelu() },
        Case(description: "gelu tanh", shapes: [[10]]) { try $0[0].gelu(.tanh) },
        Case(description: "silu", shapes: [[10]]) { try $0[0].silu() },
        Case(description: "sigmoid", shapes: [[10]]) { try $0[0].sigmoid() },
        Case(description: "tanh", shapes: [[10]]) { try $0[0].tanh() },
        Case(description: "softmax last", shapes: [[3, 5]]) { try $0[0].softmax(axis: -1) },
        Case(description: "softmax axis 0", shapes: [[3, 5]]) { try $0[0].softmax(axis: 0) },
        Case(description: "log_softmax", shapes: [[3, 5]]) { try $0[0].logSoftmax(axis: 1) },
        Case(description: "log_softmax middle axis", shapes: [[2, 3, 4]]) { try $0[0].logSoftmax(axis: 1) },
        Case(description: "sum all", shapes: [[3, 4]]) { try $0[0].sum() },
        Case(description: "sum axes keepdims", shapes: [[2, 3, 4]]) { try $0[0].sum(axes: [0, 2], keepDims: true) },
        Case(description: "mean axis", shapes: [[2, 3, 4]]) { try $0[0].mean(axes: [1]) },
        Case(description: "variance", shapes: [[3, 5]]) { try $0[0].variance(axes: [1]) },
        Case(description: "std", shapes: [[4, 3]], low: -2, high: 2) { try $0[0].std(axes: [0], keepDims: true) },
        Case(description: "max axis", shapes: [[3, 5]]) { try $0[0].max(axis: 1).values },
        Case(description: "max all", shapes: [[3, 5]]) { try $0[0].max() },
        Case(description: "min axis", shapes: [[3, 5]]) { try $0[0].min(axis: 0) },
        Case(description: "matmul", shapes: [[3, 4], [4, 2]]) { try $0[0].matmul($0[1]) },
        Case(description: "matmul transposed views", shapes: [[4, 3], [2, 4]]) {
            try $0[0].transposed().matmul($0[1].transposed())
        },
        Case(description: "matmul batched broadcast", shapes: [[2, 1, 3, 4], [3, 4, 2]]) { try $0[0].matmul($0[1]) },
        Case(description: "matmul shared right", shapes: [[2, 3, 4], [4, 5]]) { try $0[0].matmul($0[1]) },
        Case(description: "matmul vector", shapes: [[4], [4, 3]]) { try $0[0].matmul($0[1]) },
        Case(description: "reshape", shapes: [[2, 6]]) { try $0[0].reshaped([3, -1]) * $0[0].reshaped([3, 4]) },
        Case(description: "permute", shapes: [[2, 3, 4]]) { try $0[0].permuted([2, 0, 1]).contiguous() },
        Case(description: "transpose then reshape", shapes: [[3, 4]]) { try $0[0].transposed().reshaped([-1]) },
        Case(description: "slice with step", shapes: [[4, 9]]) { try $0[0].slice(axis: 1, 1, 8, step: 3) },
        Case(description: "slice negative", shapes: [[6, 2]]) { try $0[0].slice(axis: 0, -4, -1) },
        Case(description: "expand", shapes: [[3, 1]]) { try $0[0].expanded(to: [2, 3, 4]) },
        Case(description: "unsqueeze squeeze flatten", shapes: [[2, 3, 2]]) {
            try $0[0].unsqueezed(1).squeezed(1).flattened()
        },
        Case(description: "to float32 and back", shapes: [[5]], epsilon: 1e-2, tolerance: 1e-4) { try $0[0].to(.float32).to(.float64) * 1 },
        Case(description: "concat", shapes: [[2, 3], [2, 2]]) { try Tensor.concat([$0[0], $0[1]], axis: 1) },
        Case(description: "stack", shapes: [[2, 3], [2, 3]]) { try Tensor.stack([$0[0], $0[1]], axis: 1) },
        Case(description: "split", shapes: [[5, 2]]) {
            let parts = try $0[0].split([2, 3])
            return try parts[0].sum() * parts[1].mean()
        },
        Case(description: "chunk", shapes: [[4, 2]]) {
            let parts = try $0[0].chunked(2, axis: 0)
            return try parts[0] * parts[1]
        },
        Case(description: "gather", shapes: [[2, 4]]) { try $0[0].gather(axis: 1, index: indices2x3) },
        Case(description: "index_select repeated", shapes: [[4, 3]]) {
            try $0[0].indexSelect(axis: 0, indices: Tensor(indices: [3, 0, 3]))
        },
        Case(description: "embedding", shapes: [[4, 3]]) { try $0[0].embedding(indices2x3) },
        Case(description: "conv2d", shapes: [[2, 2, 5, 4], [3, 2, 3, 3], [3]]) {
            try $0[0].conv2d(weight: $0[1], bias: $0[2])
        },
        Case(description: "conv2d stride padding", shapes: [[1, 2, 6, 5], [2, 2, 3, 3], [2]]) {
            try $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 2, padding: 1)
        },
        Case(description: "conv2d no bias rectangular", shapes: [[1, 1, 5, 6], [2, 1, 2, 3]]) {
            try $0[0].conv2d(weight: $0[1], bias: nil, stride: (1, 2), padding: (1, 0))
        },
        Case(description: "max_pool2d", shapes: [[1, 2, 4, 4]]) { try $0[0].maxPool2d(kernel: 2) },
        Case(description: "max_pool2d overlapping padded", shapes: [[1, 1, 5, 5]]) {
            try $0[0].maxPool2d(kernel: 3, stride: 2, padding: 1)
        },
        Case(description: "avg_pool2d", shapes: [[1, 2, 4, 4]]) { try $0[0].avgPool2d(kernel: 2) },
        Case(description: "avg_pool2d padded", shapes: [[1, 1, 5, 5]]) { try $0[0].avgPool2d(kernel: 3, stride: 2, padding: 1) },
        Case(description: "dropout (fixed mask)", shapes: [[20]]) {
            var rng = RandomGenerator(seed: 7)
            return try $0[0].dropout(0.3, using: &rng)
        },
        Case(description: "composite MLP", shapes: [[4, 3], [5, 3], [5], [2, 5]]) {
            let h = try ($0[0].matmul($0[1].transposed()) + $0[2]).tanh()
            return try h.matmul($0[3].transposed()).logSoftmax(axis: 1)
        },
    ]

    @Test("gradient matches central differences", arguments: cases)
    func check(_ c: Case) throws {
        var rng = RandomGenerator(seed: 99)
        let inputs = try c.shapes.map { try Tensor.uniform($0, low: c.low, high: c.high, dtype: .float64, using: &rng) }
        let result = try gradcheck(c.f, inputs: inputs, epsilon: c.epsilon, tolerance: c.tolerance)
        #expect(result.passed, "\(c.description): \(result)")
    }

    @Test("gradcheck detects a wrong gradient")
    func detectsWrongGradient() throws {
        // sqrt's derivative replaced by the identity's: the checker must reject it.
        let wrong: ([Tensor]) throws -> Tensor = { x in
            let out = try GradMode.withoutGrad { try x[0].sqrt() }
            return try Tensor.record("bad_sqrt", inputs: [x[0]], output: out) { g in [g] }
        }
        var rng = RandomGenerator(seed: 3)
        let result = try gradcheck(wrong, inputs: [try Tensor.uniform([5], low: 0.5, high: 2, dtype: .float64, using: &rng)])
        #expect(!result.passed)
    }
}
