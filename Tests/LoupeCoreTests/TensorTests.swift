import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeCore

@Suite("Tensor basics")
struct TensorTests {
    @Test("views share storage and never copy; contiguous() copies only when needed")
    func views() throws {
        let x = Tensor((0..<12).map(Float.init), shape: [3, 4])
        let t = try x.transposed()
        #expect(t.storage === x.storage && !t.isContiguous && t.shape == [4, 3])
        #expect(t.floats() == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        let s = try x.slice(axis: 1, 1, 3)
        #expect(s.storage === x.storage && s.floats() == [1, 2, 5, 6, 9, 10])
        let e = try Tensor([1, 2, 3], shape: [3, 1]).expanded(to: [3, 2])
        #expect(e.strides == [1, 0] && e.floats() == [1, 1, 2, 2, 3, 3])
        #expect(try x.contiguous() === x)
        #expect(try t.contiguous().isContiguous)
        #expect(try x.reshaped([2, -1]).storage === x.storage)
    }

    @Test("NumPy broadcasting on binary ops")
    func broadcasting() throws {
        let a = Tensor([1, 2, 3], shape: [3, 1]), b = Tensor([10, 20], shape: [2])
        let c = try a + b
        #expect(c.shape == [3, 2] && c.floats() == [11, 21, 12, 22, 13, 23])
        let d = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).transposed() * Tensor([1, 10], shape: [2])
        #expect(d.floats() == [1, 40, 2, 50, 3, 60])
    }

    @Test("shape errors name the op and both shapes")
    func shapeErrors() throws {
        let a = Tensor.zeros([2, 3]), b = Tensor.zeros([4])
        #expect(throws: TensorError.shapeMismatch(op: "add", lhs: [2, 3], rhs: [4],
                                                   expected: "each dimension (aligned from the right) must be equal or 1")) {
            try a + b
        }
        do {
            _ = try a.matmul(Tensor.zeros([2, 3]))
            Issue.record("matmul of [2, 3]·[2, 3] must throw")
        } catch let error as TensorError {
            #expect(error.description.contains("matmul") && error.description.contains("[2, 3]"))
        }
        #expect(throws: TensorError.self) { try a.reshaped([4, 2]) }
        #expect(throws: TensorError.self) { try a.sum(axes: [2]) }
        #expect(throws: TensorError.self) { try Tensor.zeros([1, 3, 4, 4]).conv2d(weight: Tensor.zeros([2, 2, 3, 3])) }
        #expect(throws: TensorError.self) { try Tensor.zeros([3, 4]).gather(axis: 1, index: Tensor(indices: [0, 9, 1], shape: [3, 1])) }
        #expect(throws: TensorError.self) { try Tensor.zeros([3]).dropout(1.0, using: &GlobalRandom.generator) }
        #expect(throws: TensorError.self) { try Tensor.zeros([2]) + Tensor.zeros([2], dtype: .float64) }
    }

    @Test("printing shows dtype, shape and values compactly, like NumPy")
    func printing() throws {
        #expect(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).description == "float32 [2, 3] [[1, 2, 3],\n [4, 5, 6]]")
        #expect(Tensor([0.5, -1.25], shape: [2]).description == "float32 [2] [0.5000, -1.2500]")
        #expect(Tensor(indices: [3, 1]).description == "int64 [2] [3, 1]")
        #expect(Tensor(scalar: 2).description == "float32 [] 2")
        let big = Tensor.arange(2000)
        #expect(big.description == "float32 [2000] [0, 1, 2, ..., 1997, 1998, 1999]")
        let y = try ModuleScope.with("fc") { try Tensor([1], shape: [1], requiresGrad: true).exp() }
        #expect(y.description.hasPrefix("float32 [1] (exp in fc)"))
    }

    /// Every length up to 70 (SIMD bodies and tails), and one above the parallel threshold.
    @Test("element-wise kernels agree with scalar Double math at every length")
    func kernelsAgreeWithScalarMath() throws {
        var rng = RandomGenerator(seed: 5)
        for n in Array(1...70) + [Engine.parallelThreshold * 2 + 3] {
            let x = try Tensor.uniform([n], low: -8, high: 8, using: &rng)
            let xs = x.floats().map(Double.init)
            func check(_ y: Tensor, _ f: (Double) -> Double, tol: Double, _ what: String) {
                let ys = y.floats()
                let worst = ys.indices.map { Swift.abs(Double(ys[$0]) - f(xs[$0])) / Swift.max(1, Swift.abs(f(xs[$0]))) }.max()!
                #expect(worst <= tol, "\(what) at n=\(n): relative error \(worst)")
            }
            check(try x.exp(), { Foundation.exp($0) }, tol: 2e-7, "exp")
            check(try x.abs().log(), { Foundation.log(Swift.abs($0)) }, tol: 2e-7, "log")
            check(try x.tanh(), { Foundation.tanh($0) }, tol: 2e-7, "tanh")
            check(try x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, tol: 2e-7, "sigmoid")
            check(try x.gelu(), { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }, tol: 1.5e-6, "gelu")  // rational erf: ≤ ~12 ulp
            check(try x.relu(), { Swift.max($0, 0) }, tol: 0, "relu")
            check(try x * x, { $0 * $0 }, tol: 1e-7, "mul")
            let total = try x.sum().item(), expected = xs.reduce(0, +)
            #expect(Swift.abs(total - expected) < 1e-3 * Swift.max(1, Swift.abs(expected)), "sum at n=\(n)")
        }
    }

    @Test("special values: exp and log at the edges, NaN propagation")
    func specialValues() throws {
        let x = Tensor([-.infinity, -100, 0, 100, .infinity, .nan], shape: [6])
        let e = try x.exp().floats()
        #expect(e[0] == 0 && e[1] == 0 && e[2] == 1 && e[3] == .infinity && e[4] == .infinity && e[5].isNaN)
        let tiny = Float(bitPattern: 0x0001_16c2)  // ≈ 1e-40, subnormal
        let l = try Tensor([0, -1, 1, .infinity, tiny], shape: [5]).log().floats()
        #expect(l[0] == -.infinity && l[1].isNaN && l[2] == 0 && l[3] == .infinity)
        #expect(Swift.abs(l[4] - Float(Foundation.log(Double(tiny)))) < 1e-3)
        let r = try Tensor([.nan, -1, 2], shape: [3]).relu().floats()
        #expect(r[0].isNaN && r[1] == 0 && r[2] == 2)
        let m = try Tensor([1, .nan, 3], shape: [3]).max().floats()
        #expect(m[0].isNaN)
        let s = try Tensor([0, -.infinity, 1], shape: [3]).softmax().floats()
        #expect(s[1] == 0 && Swift.abs(s[0] + s[2] - 1) < 1e-6)
    }

    @Test("a 16M-element sum is accurate and parallel kernels give the single-thread result")
    func largeSums() throws {
        let n = 1 << 24
        let x = Tensor.full([n], value: 0.1)
        let total = try x.sum().item()
        // A naive running Float sum would stall near 2^21; blocked SIMD sums stay within ~1 ppm.
        #expect(Swift.abs(total / (Double(Float(0.1)) * Double(n)) - 1) < 2e-6, "sum \(total)")
        var rng = RandomGenerator(seed: 11)
        let y = try Tensor.uniform([1 << 18], low: -1, high: 1, using: &rng)
        let one = try Engine.withKernelThreads(1) { try (y.exp() * y).floats() }
        let two = try Engine.withKernelThreads(2) { try (y.exp() * y).floats() }
        #expect(one == two)
    }

    @Test("one-hot, argmax and int64 conversions")
    func integerTensors() throws {
        let labels = Tensor(indices: [2, 0])
        #expect(try Tensor.oneHot(labels, classes: 3).floats() == [0, 0, 1, 1, 0, 0])
        #expect(try Tensor([1, 5, 2, 7, 0, 3], shape: [2, 3]).argmax(axis: 1).ints() == [1, 0])
        #expect(try Tensor([1.7, -2.2], shape: [2]).to(.int64).ints() == [1, -2])
        #expect(throws: TensorError.self) { try Tensor([.nan], shape: [1]).to(.int64) }
    }
}
