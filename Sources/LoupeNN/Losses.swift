import LoupeCore

/// Loss functions, each returning the mean over the batch as a one-element tensor.
public enum Loss {
    /// Cross-entropy from logits [N, C] (or [..., C]) and int64 class labels [N] (or [...]).
    /// `labelSmoothing` ε mixes the one-hot target with the uniform distribution, as in PyTorch.
    public static func crossEntropy(_ logits: Tensor, _ labels: Tensor, labelSmoothing: Double = 0) throws -> Tensor {
        guard labels.dtype == .int64 else {
            throw TensorError.dtypeMismatch(op: "cross_entropy", got: labels.dtype, expected: "int64 class labels")
        }
        let classes = logits.shape.last ?? 0
        let flat = try logits.reshaped([-1, classes])
        guard labels.count == flat.shape[0] else {
            throw TensorError.shapeMismatch(op: "cross_entropy", lhs: logits.shape, rhs: labels.shape,
                                            expected: "one label per row of logits")
        }
        guard (0..<1).contains(labelSmoothing) else {
            throw TensorError.invalidArgument(op: "cross_entropy", reason: "label smoothing must be in [0, 1), got \(labelSmoothing)")
        }
        let logp = try flat.logSoftmax(axis: 1)
        let nll = try -logp.gather(axis: 1, index: labels.reshaped([-1, 1])).mean()
        if labelSmoothing == 0 { return nll }
        let uniform = try -logp.mean()  // mean over rows and classes of −log p
        return try nll * (1 - labelSmoothing) + uniform * labelSmoothing
    }

    /// Cross-entropy over the rows whose label is not `ignoreIndex` (PyTorch's `ignore_index`;
    /// −100 is the causal-LM convention for tokens outside the loss mask): the mean −log p of
    /// the kept rows only. Throws when every label is ignored — an empty loss mask has nothing
    /// to learn from and is almost always a bug in how the mask was made.
    public static func crossEntropy(_ logits: Tensor, _ labels: Tensor, ignoreIndex: Int) throws -> Tensor {
        guard labels.dtype == .int64 else {
            throw TensorError.dtypeMismatch(op: "cross_entropy", got: labels.dtype, expected: "int64 class labels")
        }
        let classes = logits.shape.last ?? 0
        let flat = try logits.reshaped([-1, classes])
        let values = labels.ints()
        guard values.count == flat.shape[0] else {
            throw TensorError.shapeMismatch(op: "cross_entropy", lhs: logits.shape, rhs: labels.shape, expected: "one label per row of logits")
        }
        let kept = values.indices.filter { values[$0] != ignoreIndex }
        guard !kept.isEmpty else {
            throw TensorError.invalidArgument(op: "cross_entropy", reason: "every one of the \(values.count) labels is the ignored index \(ignoreIndex): the loss mask is empty")
        }
        if kept.count == values.count { return try crossEntropy(flat, labels) }
        return try crossEntropy(flat.indexSelect(axis: 0, indices: Tensor(indices: kept)), Tensor(indices: kept.map { values[$0] }))
    }

    /// Negative log-likelihood of log-probabilities [N, C] at int64 labels [N].
    public static func nll(_ logProbabilities: Tensor, _ labels: Tensor) throws -> Tensor {
        try -logProbabilities.gather(axis: 1, index: labels.reshaped([-1, 1])).mean()
    }

    /// Binary cross-entropy with logits, stable for large |x|: max(x, 0) − x·t + log(1 + e^−|x|).
    public static func binaryCrossEntropy(logits: Tensor, targets: Tensor) throws -> Tensor {
        let targets = try targets.to(logits.dtype).reshaped(logits.shape)
        let positive = try logits.relu()
        let softplus = try ((-logits.abs()).exp() + 1).log()
        return try (positive - logits * targets + softplus).mean()
    }

    /// Mean squared error.
    public static func mse(_ prediction: Tensor, _ target: Tensor) throws -> Tensor {
        let d = try prediction - target.to(prediction.dtype).reshaped(prediction.shape)
        return try (d * d).mean()
    }

    /// Mean absolute error.
    public static func l1(_ prediction: Tensor, _ target: Tensor) throws -> Tensor {
        try (prediction - target.to(prediction.dtype).reshaped(prediction.shape)).abs().mean()
    }

    /// Huber loss: ½d² for |d| ≤ δ, δ(|d| − ½δ) beyond.
    public static func huber(_ prediction: Tensor, _ target: Tensor, delta: Double = 1) throws -> Tensor {
        let a = try (prediction - target.to(prediction.dtype).reshaped(prediction.shape)).abs()
        let quadratic = try a.clamp(max: delta)
        return try (quadratic * quadratic * 0.5 + (a - quadratic) * delta).mean()
    }
}

/// Penalties added to a loss.
public enum Regularization {
    /// λ · Σ|w| over the parameters.
    public static func l1(_ parameters: [Parameter], lambda: Double) throws -> Tensor {
        var total = Tensor(scalar: 0)
        for p in parameters { total = try total + p.value.abs().sum() }
        return try total * lambda
    }

    /// λ · Σw² over the parameters.
    public static func l2(_ parameters: [Parameter], lambda: Double) throws -> Tensor {
        var total = Tensor(scalar: 0)
        for p in parameters { total = try total + (p.value * p.value).sum() }
        return try total * lambda
    }
}
