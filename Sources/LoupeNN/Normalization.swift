import LoupeCore

/// Normalizes over the last dimension: (x − mean) / √(var + eps) · γ + β  ([..., dim]).
public final class LayerNorm: Module {
    public let weight: Parameter, bias: Parameter
    public let eps: Double

    public init(_ dim: Int, eps: Double = 1e-5) {
        weight = Parameter(Tensor.ones([dim]))
        bias = Parameter(Tensor.zeros([dim]))
        self.eps = eps
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        try x.layerNorm(weight: weight.value.to(x.dtype), bias: bias.value.to(x.dtype), eps: eps)
    }

    /// The same computation composed of element-wise ops: the reference the fused `layer_norm`
    /// op is tested against.
    func composedForward(_ x: Tensor) throws -> Tensor {
        let centered = try x - x.mean(axes: [-1], keepDims: true)
        let variance = try (centered * centered).mean(axes: [-1], keepDims: true)
        return try centered * (variance + eps).rsqrt() * weight.value + bias.value
    }
}

/// Root-mean-square normalization over the last dimension: x / √(mean(x²) + eps) · γ (Llama's norm).
public final class RMSNorm: Module {
    public let weight: Parameter
    public let eps: Double

    public init(_ dim: Int, eps: Double = 1e-5) {
        weight = Parameter(Tensor.ones([dim]))
        self.eps = eps
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        try x * ((x * x).mean(axes: [-1], keepDims: true) + eps).rsqrt() * weight.value
    }
}

/// Batch normalization over the channel dimension (axis 1) of [N, C] or [N, C, H, W] inputs.
///
/// Training normalizes with the batch's statistics and updates the running ones
/// (`running = (1 − momentum)·running + momentum·batch`, the variance unbiased as in PyTorch);
/// evaluation uses the running statistics. In data-parallel training (``CrossReplica``) the
/// statistics are the whole batch's, summed over the replicas' shares.
public final class BatchNorm: Module {
    public let weight: Parameter, bias: Parameter
    public let runningMean: Buffer, runningVar: Buffer
    public let eps: Double, momentum: Double

    public init(_ features: Int, eps: Double = 1e-5, momentum: Double = 0.1) {
        weight = Parameter(Tensor.ones([features]))
        bias = Parameter(Tensor.zeros([features]))
        runningMean = Buffer(Tensor.zeros([features]))
        runningVar = Buffer(Tensor.ones([features]))
        self.eps = eps
        self.momentum = momentum
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        let c = weight.shape[0]
        guard x.rank == 2 || x.rank == 4, x.shape[1] == c else {
            throw TensorError.invalidShape(op: "BatchNorm '\(name)'", shape: x.shape,
                                           reason: "expected [N, \(c)] or [N, \(c), H, W]")
        }
        // Statistics over every axis but the channels; parameters broadcast as [1, C, 1, 1].
        let axes = x.rank == 2 ? [0] : [0, 2, 3]
        let view = x.rank == 2 ? [1, c] : [1, c, 1, 1]
        let mean: Tensor, variance: Tensor
        if isTraining {
            var n = axes.map { x.shape[$0] }.reduce(1, *)
            // Data-parallel: the statistics of the whole batch, every replica's share summed
            // (synchronised BatchNorm), so N processes normalize as one process would.
            let replicas = CrossReplica.current
            if let replicas { n = Int(try CrossReplica.sum([Double(n)], using: replicas)[0]) }
            guard n > 1 else {
                throw TensorError.invalidShape(op: "BatchNorm '\(name)'", shape: x.shape,
                                               reason: "training needs more than one value per channel")
            }
            func batchMean(_ t: Tensor) throws -> Tensor {
                guard let replicas else { return try t.mean(axes: axes, keepDims: true) }
                return try t.sum(axes: axes, keepDims: true).summedAcrossReplicas(replicas) / Double(n)
            }
            mean = try batchMean(x)
            let centered = try x - mean
            variance = try batchMean(centered * centered)
            try GradMode.withoutGrad {
                let unbiased = try variance.reshaped([c]) * (Double(n) / Double(n - 1))
                runningMean.value = try runningMean.value * (1 - momentum) + mean.reshaped([c]) * momentum
                runningVar.value = try runningVar.value * (1 - momentum) + unbiased * momentum
            }
        } else {
            mean = try runningMean.value.reshaped(view)
            variance = try runningVar.value.reshaped(view)
        }
        return try (x - mean) * (variance + eps).rsqrt() * weight.value.reshaped(view) + bias.value.reshaped(view)
    }
}
