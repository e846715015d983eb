import LoupeCore
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeCore, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func tensorExample() throws {
        // example: Tensor
        let x = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
        let y = try (x * x).sum()
        try y.backward()
        print(x.grad!)  // float32 [2, 2] [[2, 4], [6, 8]]
        // end example
        #expect(x.grad?.floats() == [2, 4, 6, 8])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Tensor/Tensor.swift", markedAs: "Tensor", in: #filePath) == nil)
    }

    @Test func moduleScopeExample() throws {
        let x = Tensor([1, 2], shape: [1, 2]), w = Tensor([3, 4], shape: [2, 1])
        var paths: [String?] = []
        let handle = Hooks.addForwardHook { paths.append($0.modulePath) }
        defer { handle.remove() }
        // example: ModuleScope
        let y = try ModuleScope.with("fc1") { try x.matmul(w) }  // y and its node carry the path "…fc1"
        // end example
        #expect(paths == ["fc1"] && y.floats() == [11])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Autograd/Hooks.swift", markedAs: "ModuleScope", in: #filePath) == nil)
    }
}
