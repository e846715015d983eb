import Testing
@testable import LoupeCore

/// The README's engine example, kept compiling and true.
@Suite("README example")
struct ReadmeExampleTests {
    @Test("hooks see ops inside a module; gradients reach the weights")
    func readmeExample() throws {
        defer { Hooks.removeAll() }
        var rng = RandomGenerator(seed: 1)
        let w = try Initializer.heNormal.make([64, 2], using: &rng)
        w.requiresGrad = true
        let x = try Tensor.normal([8, 2], using: &rng)

        var seen: [String] = []
        Hooks.addForwardHook(scope: .module("encoder")) { seen.append("\($0.op) \($0.modulePath!) \($0.output.shape)") }

        let h = try ModuleScope.with("encoder") { try x.matmul(w.transposed()).relu() }
        try h.mean().backward()
        #expect(seen == ["permute encoder [2, 64]", "matmul encoder [8, 64]", "relu encoder [8, 64]"])
        #expect(w.grad?.shape == [64, 2])
        #expect(h.gradFn?.op == "relu" && h.gradFn?.modulePath == "encoder")
        #expect(w.grad!.description.hasPrefix("float32 [64, 2] [["))
    }
}
