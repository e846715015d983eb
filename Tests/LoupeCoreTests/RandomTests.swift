import Foundation
import Testing
@testable import LoupeCore

@Suite("Random numbers and initializers")
struct RandomTests {
    @Test("xoshiro256** matches the reference algorithm (values from scripts/golden)")
    func referenceStream() throws {
        let ref = Golden.root["xoshiro256starstar"] as! [String: Any]
        var rng = RandomGenerator(seed: UInt64((ref["seed"] as! NSNumber).intValue))
        let expected = (ref["values"] as! [String]).map { UInt64($0)! }
        #expect((0..<expected.count).map { _ in rng.next() } == expected)
    }

    @Test("the same seed gives the same tensors; a saved state resumes the stream")
    func reproducible() throws {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        #expect(try Tensor.normal([100], using: &a).floats() == Tensor.normal([100], using: &b).floats())
        let saved = a.state
        let next = try Tensor.uniform([10], using: &a).floats()
        var resumed = RandomGenerator(state: saved)
        #expect(try Tensor.uniform([10], using: &resumed).floats() == next)
        var c = RandomGenerator(seed: 43)
        #expect(try Tensor.uniform([10], using: &c).floats() != next)
    }

    @Test("distributions have the right moments")
    func moments() throws {
        var rng = RandomGenerator(seed: 1)
        let n = 200_000
        let u = try Tensor.uniform([n], low: -1, high: 3, using: &rng)
        #expect(Swift.abs(try u.mean().item() - 1) < 0.02)
        #expect(Swift.abs(try u.variance().item() - 16.0 / 12) < 0.02)
        #expect(u.floats().allSatisfy { $0 >= -1 && $0 < 3 })
        let g = try Tensor.normal([n], mean: 2, std: 0.5, using: &rng)
        #expect(Swift.abs(try g.mean().item() - 2) < 0.01)
        #expect(Swift.abs(try g.std().item() - 0.5) < 0.01)
        let b = try Tensor.bernoulli([n], p: 0.3, using: &rng)
        #expect(Swift.abs(try b.mean().item() - 0.3) < 0.01)
        let p = rng.permutation(1000)
        #expect(p.sorted() == Array(0..<1000) && p != Array(0..<1000))
    }

    @Test("initializers follow PyTorch's fan conventions")
    func initializers() throws {
        var rng = RandomGenerator(seed: 2)
        #expect(Initializer.fans([64, 32, 3, 3]) == (fanIn: 288, fanOut: 576))
        let he = try Initializer.heNormal.make([512, 256], using: &rng)
        #expect(Swift.abs(try he.std().item() - (2.0 / 256).squareRoot()) < 0.002)
        let xavier = try Initializer.xavierUniform.make([300, 100], using: &rng)
        let limit = (6.0 / 400).squareRoot()
        #expect(xavier.floats().allSatisfy { Swift.abs(Double($0)) <= limit })
        #expect(Swift.abs(try xavier.variance().item() - limit * limit / 3) < 0.001)
        #expect(try Initializer.constant(0.5).make([3], using: &rng).floats() == [0.5, 0.5, 0.5])
        #expect(try Initializer.zeros.make([2], using: &rng).floats() == [0, 0])
    }

    @Test("dropout keeps 1-p of the values, scaled by 1/(1-p), and is the identity in eval mode")
    func dropout() throws {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.ones([100_000])
        let y = try x.dropout(0.25, using: &rng).floats()
        let kept = y.filter { $0 != 0 }
        #expect(Swift.abs(Double(kept.count) / 100_000 - 0.75) < 0.01)
        #expect(kept.allSatisfy { Swift.abs($0 - 1 / 0.75) < 1e-6 })
        #expect(try x.dropout(0.25, training: false, using: &rng) === x)
    }
}
