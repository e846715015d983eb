import LoupeCore
import Testing

/// The gradient-ready hooks data-parallel training starts its all-reduce from.
@Suite(.serialized)
struct GradientReadyHookTests {
    @Test func firesOncePerLeafWithItsFinalGradient() throws {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let w1 = Tensor((0..<12).map { Float($0) / 10 - 0.5 }, shape: [3, 4], requiresGrad: true)
        let w2 = Tensor((0..<4).map { Float($0) / 4 }, shape: [4, 1], requiresGrad: true)
        let unused = Tensor([1, 2], shape: [2], requiresGrad: true)
        var heard: [(name: String, grad: [Float])] = []
        let handle = Hooks.addGradientReadyHook { leaf in
            let name = leaf === w1 ? "w1" : leaf === w2 ? "w2" : "other"
            heard.append((name, leaf.grad?.floats() ?? []))
        }
        defer { handle.remove() }
        // w1 is read twice (the second time through a relu), so its gradient is the sum of two
        // contributions: the hook must wait for both.
        let h = try x.matmul(w1)
        let y = try (h.relu() + h).matmul(w2)
        try y.sum().backward()
        #expect(heard.map(\.name) == ["w2", "w1"], "the last layer's gradient is complete first")
        #expect(heard[0].grad == w2.grad!.floats())
        #expect(heard[1].grad == w1.grad!.floats())
        #expect(unused.grad == nil)
    }

    @Test func silentWithoutHooksAndAfterRemoval() throws {
        let w = Tensor([1, 2], shape: [2], requiresGrad: true)
        var count = 0
        let handle = Hooks.addGradientReadyHook { _ in count += 1 }
        try (w * w).sum().backward()
        handle.remove()
        try (w * w).sum().backward()
        #expect(count == 1)
    }
}

/// Sums across replicas: forward and backward both sum, so N identical replicas act as one
/// process on N copies of the batch.
struct CrossReplicaTests {
    /// A job of `copies` identical replicas, seen from one: every sum is `copies` × the value.
    final class IdenticalReplicas: ReplicaReducer {
        let copies: Double
        var calls = 0
        init(copies: Double) { self.copies = copies }
        func sumAcrossReplicas(_ values: UnsafeMutableBufferPointer<Double>) throws {
            calls += 1
            for i in values.indices { values[i] *= copies }
        }
    }

    @Test func sumAndItsGradientSumAcrossReplicas() throws {
        let reducer = IdenticalReplicas(copies: 3)
        let x = Tensor([1, -2, 0.5], shape: [3], requiresGrad: true)
        let y = try x.summedAcrossReplicas(reducer)
        #expect(y.floats() == [3, -6, 1.5])
        try (y * Tensor([1, 2, 3], shape: [3])).sum().backward()
        #expect(x.grad!.floats() == [3, 6, 9])
        #expect(reducer.calls == 2)
    }

    @Test func scopedToItsBody() throws {
        let reducer = IdenticalReplicas(copies: 2)
        #expect(CrossReplica.current == nil)
        CrossReplica.with(reducer) { #expect(CrossReplica.current === reducer) }
        #expect(CrossReplica.current == nil)
    }
}
