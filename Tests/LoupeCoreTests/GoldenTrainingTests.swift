import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeCore

/// Three SGD steps of an MLP and a CNN, from PyTorch's initial weights on PyTorch's data: every
/// loss, every parameter gradient and every updated weight must match.
@Suite("Golden: training steps against PyTorch")
struct GoldenTrainingTests {
    /// torch.nn.Linear: x · Wᵀ + b.
    static func linear(_ x: Tensor, _ p: [String: Tensor], _ name: String) throws -> Tensor {
        try ModuleScope.with(name) { try x.matmul(p[name + ".weight"]!.transposed()) + p[name + ".bias"]! }
    }

    static func conv(_ x: Tensor, _ p: [String: Tensor], _ name: String, padding: Int) throws -> Tensor {
        try ModuleScope.with(name) { try x.conv2d(weight: p[name + ".weight"]!, bias: p[name + ".bias"]!, padding: padding) }
    }

    /// Mean cross-entropy from logits, composed from engine ops.
    static func crossEntropy(_ logits: Tensor, _ labels: Tensor) throws -> Tensor {
        let picked = try logits.logSoftmax(axis: -1).gather(axis: 1, index: labels.reshaped([-1, 1]))
        return try -picked.mean()
    }

    static func forward(_ name: String, _ x: Tensor, _ p: [String: Tensor]) throws -> Tensor {
        switch name {
        case "mlp":
            let h1 = try linear(x, p, "fc1").relu()
            let h2 = try linear(h1, p, "fc2").relu()
            return try linear(h2, p, "fc3")
        default:
            let a = try conv(x, p, "conv1", padding: 1).relu().maxPool2d(kernel: 2)
            let b = try conv(a, p, "conv2", padding: 1).relu().avgPool2d(kernel: 2)
            return try linear(b.flattened(), p, "fc")
        }
    }

    @Test("SGD steps match PyTorch", arguments: ["mlp", "cnn"])
    func trainingSteps(model: String) throws {
        let run = Golden.training.first { $0["name"] as! String == model }!
        let lr = (run["lr"] as! NSNumber).doubleValue
        let x = Golden.tensor(run["x"]), y = Golden.tensor(run["y"])
        var params = (run["initial"] as! [String: Any]).mapValues(Golden.tensor)
        for (stepIndex, step) in (run["steps"] as! [[String: Any]]).enumerated() {
            for p in params.values { p.requiresGrad = true; p.zeroGrad() }
            let loss = try Self.crossEntropy(Self.forward(model, x, params), y)
            try loss.backward()
            let expectedLoss = (step["loss"] as! NSNumber).doubleValue, actualLoss = try loss.item()
            #expect(Swift.abs(actualLoss - expectedLoss) < 1e-5 * Swift.max(1, Swift.abs(expectedLoss)),
                    "\(model) step \(stepIndex): loss \(actualLoss) vs PyTorch \(expectedLoss)")
            for (name, g) in step["grads"] as! [String: Any] {
                expectClose(params[name]!.grad!, Golden.tensor(g), "\(model) step \(stepIndex) grad \(name)")
            }
            params = try GradMode.withoutGrad { try params.mapValues { try $0 - $0.grad! * lr } }
            for (name, w) in step["weights"] as! [String: Any] {
                expectClose(params[name]!, Golden.tensor(w), "\(model) step \(stepIndex) weight \(name)")
            }
        }
    }
}
