import LoupeCore

/// RMSprop as in PyTorch (not centered, no momentum): v ← αv + (1−α)g², w ← w − lr·g/(√v + ε).
public final class RMSprop: OptimizerState, Optimizer {
    public let parameters: [Parameter]
    public var lr: Double
    public let alpha: Double, eps: Double, weightDecay: Double

    public init(_ parameters: [Parameter], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0) throws {
        guard lr >= 0, (0..<1).contains(alpha), eps > 0, weightDecay >= 0 else {
            throw TensorError.invalidArgument(op: "RMSprop", reason: "need lr ≥ 0, alpha in [0, 1), eps > 0")
        }
        (self.parameters, self.lr, self.alpha, self.eps, self.weightDecay) = (parameters, lr, alpha, eps, weightDecay)
    }

    public func step() throws {
        try GradMode.withoutGrad {
            for (i, p) in parameters.enumerated() {
                guard var g = p.grad else { continue }
                if weightDecay != 0 { g = try g + p.value * weightDecay }
                let v = slot("square_avg", i, like: p.value)
                try v.assign(v * alpha + g * g * (1 - alpha))
                try p.value.addInPlace(g / (v.sqrt() + eps), scaledBy: -lr)
            }
        }
        stepCount += 1
    }
}

/// Adagrad as in PyTorch: s ← s + g², w ← w − lr·g/(√s + ε).
public final class Adagrad: OptimizerState, Optimizer {
    public let parameters: [Parameter]
    public var lr: Double
    public let eps: Double, weightDecay: Double

    public init(_ parameters: [Parameter], lr: Double = 1e-2, eps: Double = 1e-10, weightDecay: Double = 0) throws {
        guard lr >= 0, eps > 0, weightDecay >= 0 else {
            throw TensorError.invalidArgument(op: "Adagrad", reason: "need lr ≥ 0, eps > 0, weight decay ≥ 0")
        }
        (self.parameters, self.lr, self.eps, self.weightDecay) = (parameters, lr, eps, weightDecay)
    }

    public func step() throws {
        try GradMode.withoutGrad {
            for (i, p) in parameters.enumerated() {
                guard var g = p.grad else { continue }
                if weightDecay != 0 { g = try g + p.value * weightDecay }
                let s = slot("sum", i, like: p.value)
                try s.addInPlace(g * g)
                try p.value.addInPlace(g / (s.sqrt() + eps), scaledBy: -lr)
            }
        }
        stepCount += 1
    }
}
