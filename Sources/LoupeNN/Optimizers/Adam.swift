import LoupeCore

/// Adam (Kingma & Ba) with bias correction; `decoupled` makes it AdamW (Loshchilov & Hutter):
/// weight decay shrinks the weights directly (w ← w − lr·λ·w) instead of being added to the gradient.
public final class Adam: OptimizerState, Optimizer {
    public let parameters: [Parameter]
    public var lr: Double
    public let beta1: Double, beta2: Double, eps: Double, weightDecay: Double, decoupled: Bool

    public init(_ parameters: [Parameter], lr: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                eps: Double = 1e-8, weightDecay: Double = 0, decoupled: Bool = false) throws {
        guard lr >= 0, (0..<1).contains(beta1), (0..<1).contains(beta2), eps > 0, weightDecay >= 0 else {
            throw TensorError.invalidArgument(op: decoupled ? "AdamW" : "Adam",
                                              reason: "need lr ≥ 0, betas in [0, 1), eps > 0, weight decay ≥ 0")
        }
        (self.parameters, self.lr, self.beta1, self.beta2, self.eps) = (parameters, lr, beta1, beta2, eps)
        (self.weightDecay, self.decoupled) = (weightDecay, decoupled)
    }

    /// AdamW with PyTorch's default weight decay of 0.01.
    public static func adamW(_ parameters: [Parameter], lr: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999,
                             eps: Double = 1e-8, weightDecay: Double = 0.01) throws -> Adam {
        try Adam(parameters, lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: true)
    }

    public func step() throws {
        let t = Double(stepCount + 1)
        let correction1 = 1 - Foundation.pow(beta1, t), correction2 = 1 - Foundation.pow(beta2, t)
        try GradMode.withoutGrad {
            for (i, p) in parameters.enumerated() {
                guard var g = p.grad else { continue }
                if weightDecay != 0 {
                    if decoupled { try p.value.assign(p.value * (1 - lr * weightDecay)) }
                    else { g = try g + p.value * weightDecay }
                }
                let m = slot("exp_avg", i, like: p.value), v = slot("exp_avg_sq", i, like: p.value)
                try m.assign(m * beta1 + g * (1 - beta1))
                try v.assign(v * beta2 + g * g * (1 - beta2))
                // w ← w − lr · m̂ / (√v̂ + ε), written as PyTorch does it.
                let denominator = try (v.sqrt() / correction2.squareRoot()) + eps
                try p.value.addInPlace(m / denominator, scaledBy: -lr / correction1)
            }
        }
        stepCount += 1
    }
}

import Foundation
