import LoupeCore

/// Gradient clipping, applied between backward and the optimizer step.
public enum GradientClipping {
    /// Scales all gradients together so their global L2 norm is at most `maxNorm`; returns the norm
    /// before clipping (PyTorch's `clip_grad_norm_`).
    @discardableResult
    public static func clipNorm(_ parameters: [Parameter], maxNorm: Double) throws -> Double {
        let grads = parameters.compactMap(\.grad)
        let total = try GradMode.withoutGrad { try grads.map { try ($0 * $0).sum().item() }.reduce(0, +) }.squareRoot()
        let scale = maxNorm / (total + 1e-6)
        if scale < 1 {
            try GradMode.withoutGrad { for g in grads { try g.assign(g * scale) } }
        }
        return total
    }

    /// Limits every gradient element to [−limit, limit].
    public static func clipValue(_ parameters: [Parameter], limit: Double) throws {
        try GradMode.withoutGrad {
            for g in parameters.compactMap(\.grad) { try g.assign(g.clamp(min: -limit, max: limit)) }
        }
    }
}
