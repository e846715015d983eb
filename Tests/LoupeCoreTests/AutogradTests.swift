import Foundation
import Testing
@testable import LoupeCore

@Suite("Autograd")
struct AutogradTests {
    @Test("gradients accumulate across backward calls until zeroed")
    func accumulation() throws {
        let x = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        try (x * x).sum().backward()
        try (x * 3).sum().backward()
        #expect(x.grad!.floats() == [5, 7, 9])  // 2x + 3
        x.zeroGrad()
        try x.sum().backward()
        #expect(x.grad!.floats() == [1, 1, 1])
    }

    @Test("a tensor used twice gets both gradient paths")
    func diamond() throws {
        let x = Tensor([2], shape: [1], requiresGrad: true)
        let y = try x.exp()
        try (y * y + y).sum().backward()   // d/dx (e^{2x} + e^x) = 2e^{2x} + e^x
        let e = Float(M_E * M_E)
        #expect(Swift.abs(x.grad!.floats()[0] - (2 * e * e + e)) < 1e-3)
    }

    @Test("backward with a seed gradient for a non-scalar output")
    func seededBackward() throws {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let y = try x * x
        try y.backward(Tensor([10, 100], shape: [2]))
        #expect(x.grad!.floats() == [20, 400])
    }

    @Test("non-scalar backward without a seed is an error that says what to do")
    func nonScalarNeedsSeed() throws {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        #expect(throws: TensorError.self) { try (x * 2).backward() }
    }

    @Test("the graph is freed after backward unless retained")
    func graphFreed() throws {
        let x = Tensor([1, 2], shape: [2], requiresGrad: true)
        let y = try (x * x).sum()
        try y.backward(retainGraph: true)
        try y.backward()
        #expect(x.grad!.floats() == [4, 8])
        #expect(y.gradFn!.inputs.isEmpty)
        do {
            try y.backward()
            Issue.record("a second backward through a freed graph must throw")
        } catch let error as TensorError {
            #expect(error.description.contains("retainGraph"))
        }
    }

    @Test("no-grad scope records nothing; detach cuts the graph")
    func noGradAndDetach() throws {
        let w = Tensor([3], shape: [1], requiresGrad: true)
        let y = try GradMode.withoutGrad { try w * 2 }
        #expect(!y.requiresGrad && y.gradFn == nil)
        let z = try w.detach() * w
        try z.sum().backward()
        #expect(w.grad!.floats() == [3])  // only the non-detached factor contributes
    }

    @Test("retainGrad keeps a non-leaf gradient")
    func retainGrad() throws {
        let x = Tensor([1, -1], shape: [2], requiresGrad: true)
        let h = try x * 3
        h.retainGrad()
        try h.relu().sum().backward()
        #expect(h.grad!.floats() == [1, 0])
        #expect(x.grad!.floats() == [3, 0])
    }

    @Test("every node records its op name and module path")
    func nodeNamesAndPaths() throws {
        let x = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
        let y = try ModuleScope.with("blocks") {
            try ModuleScope.with("2") {
                try ModuleScope.with("mlp") { try ModuleScope.with("fc1") { try x.matmul(x) } }
            }
        }
        #expect(y.gradFn?.op == "matmul")
        #expect(y.gradFn?.modulePath == "blocks.2.mlp.fc1")
        let z = try y.relu()
        #expect(z.gradFn?.op == "relu" && z.gradFn?.modulePath == nil)
    }

    @Test("a deep chain backpropagates without recursion")
    func deepChain() throws {
        let x = Tensor([1], shape: [1], requiresGrad: true)
        var y = x
        for _ in 0..<20_000 { y = try y * 1.0 }
        try y.sum().backward()
        #expect(x.grad!.floats() == [1])
    }
}
