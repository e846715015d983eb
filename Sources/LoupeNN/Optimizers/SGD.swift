import LoupeCore

/// Stochastic gradient descent with PyTorch's semantics: L2 weight decay added to the gradient,
/// momentum buffer b ← μb + g (the first step sets b = g), Nesterov g + μb.
public final class SGD: OptimizerState, Optimizer {
    public let parameters: [Parameter]
    public var lr: Double
    public let momentum: Double, weightDecay: Double, nesterov: Bool

    public init(_ parameters: [Parameter], lr: Double, momentum: Double = 0, weightDecay: Double = 0, nesterov: Bool = false) throws {
        guard lr >= 0, momentum >= 0, weightDecay >= 0, !nesterov || momentum > 0 else {
            throw TensorError.invalidArgument(op: "SGD", reason: "lr, momentum and weight decay must be ≥ 0; Nesterov needs momentum > 0")
        }
        (self.parameters, self.lr, self.momentum, self.weightDecay, self.nesterov) = (parameters, lr, momentum, weightDecay, nesterov)
    }

    public func step() throws {
        try GradMode.withoutGrad {
            for (i, p) in parameters.enumerated() {
                guard var g = p.grad else { continue }
                if weightDecay != 0 { g = try g + p.value * weightDecay }
                if momentum != 0 {
                    let buffer = slot("momentum", i, like: p.value)
                    if stepCount == 0 { try buffer.assign(g) } else {
                        try buffer.assign(buffer * momentum)
                        try buffer.addInPlace(g)
                    }
                    g = nesterov ? try g + buffer * momentum : buffer
                }
                try p.value.addInPlace(g, scaledBy: -lr)
            }
        }
        stepCount += 1
    }
}
