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
            let settings = AdamStepSettings(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: decoupled,
                                            correction1: correction1, correction2: correction2)
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                // w ← w − lr · m̂ / (√v̂ + ε), written as PyTorch does it, in one fused pass.
                try p.value.adamStep(gradient: g, exponentialAverage: slot("exp_avg", i, like: p.value),
                                     squaredAverage: slot("exp_avg_sq", i, like: p.value), settings)
            }
        }
        stepCount += 1
    }
}

import Foundation
