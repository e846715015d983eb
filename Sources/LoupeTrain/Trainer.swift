import Foundation
import LoupeCore
import LoupeData
import LoupeNN

/// Trains a model: the loop of forward, loss, backward, clipping, schedule and optimizer step,
/// with evaluation on a validation split and callbacks around it.
///
/// ```swift
/// let trainer = Trainer(model: model, optimizer: try Adam(model.parameters()), loss: .crossEntropy)
/// var loader = try DataLoader(dataset: splits.train, batchSize: 64, seed: 1)
/// let history = try trainer.fit(&loader, validation: splits.validation, epochs: 10)
/// print(try trainer.evaluate(splits.test))   // ["loss": 0.07, "accuracy": 0.981]
/// ```
public final class Trainer {
    public let model: Module
    public let optimizer: Optimizer
    public let loss: LossKind
    public var labelSmoothing = 0.0
    /// Clip the global gradient norm to this (0: off).
    public var gradientClip = 0.0
    public var scheduler: LearningRateScheduler?
    public var callbacks: [TrainerCallback] = []
    /// Evaluate on the validation split every this many epochs.
    public var evaluateEvery = 1
    /// Trains against a teacher's outputs as well as the labels (`[distill]`); nil: the labels only.
    public var distillation: Distillation?
    /// Batch size used by `evaluate` and `predict`.
    public var evaluationBatchSize = 256
    /// Cross-entropy over the targets other than this label only (a fine-tune's loss mask, −100);
    /// nil: every target counts. Evaluation then averages over the supervised targets.
    public var ignoreIndex: Int?
    /// Trains as one rank of a data-parallel job (see ``DataParallel``): each step on this rank's
    /// share of the batch, the gradients summed over the ranks. nil: the whole batch, one process.
    public var dataParallel: DataParallel?

    /// Optimizer steps taken (survives checkpoints).
    public internal(set) var step = 0
    /// Completed epochs (survives checkpoints).
    public internal(set) var epoch = 0
    public private(set) var history: [EpochLogs] = []
    /// The training loader's state at the end of the last epoch (what a checkpoint saves).
    public private(set) var loaderState: DataLoader.State?
    public private(set) var stopReason: String?

    public init(model: Module, optimizer: Optimizer, loss: LossKind) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
    }

    /// Asks `fit` to stop after the current step (used by callbacks); the epoch is logged as ended.
    public func stop(reason: String) { stopReason = reason }

    /// Trains until `epochs` epochs in total have completed, or `steps` optimizer steps (whichever
    /// is given); a resumed trainer continues from its saved epoch and step.
    @discardableResult
    public func fit(_ loader: inout DataLoader, validation: TensorDataset? = nil,
                    epochs: Int? = nil, steps: Int? = nil) throws -> [EpochLogs] {
        guard (epochs ?? 1) >= 0, (steps ?? 1) >= 0, epochs != nil || steps != nil else {
            throw TensorError.invalidArgument(op: "fit", reason: "give epochs ≥ 0 or steps ≥ 0")
        }
        stopReason = nil
        for c in callbacks { try c.trainBegan(self) }
        while stopReason == nil {
            if let epochs, epoch >= epochs { break }
            if let steps, step >= steps { break }
            let started = Date()
            model.train()
            var epochData = loader.makeEpoch()
            loaderState = loader.state
            var total = 0.0, batches = 0
            while stopReason == nil, let batch = try epochData.next() {
                if let steps, step >= steps { break }
                let value = try trainStep(batch.inputs, batch.targets)
                total += value
                batches += 1
                for c in callbacks { try c.batchEnded(self, batch: batches, of: epochData.count, loss: value) }
            }
            epoch += 1
            var logs = EpochLogs(epoch: epoch, step: step, trainLoss: batches > 0 ? total / Double(batches) : .nan,
                                 validation: nil, learningRate: optimizer.lr, seconds: 0)
            if let validation, validation.count > 0, epoch % max(evaluateEvery, 1) == 0 {
                let metrics = try evaluate(validation)
                logs.validation = metrics
                if let l = metrics["loss"] { scheduler?.observe(metric: l) }
            }
            logs.seconds = Date().timeIntervalSince(started)
            history.append(logs)
            for c in callbacks { try c.epochEnded(self, logs: logs) }
        }
        for c in callbacks { try c.trainEnded(self) }
        return history
    }

    /// One optimizer step on one batch; returns the batch loss.
    @discardableResult
    public func trainStep(_ inputs: Tensor, _ targets: Tensor) throws -> Double {
        if let dataParallel { return try dataParallelStep(inputs, targets, dataParallel) }
        if let scheduler { optimizer.lr = scheduler.rate(step: step) }
        for c in callbacks { try c.batchBegan(self, inputs: inputs, targets: targets) }
        // Under a profiler (`loupe profile`) the phases are spans around the modules' own.
        let value = try Profiler.measure("forward", category: "step") {
            let outputs = try model(inputs)
            return try distillation?.loss(outputs, inputs: inputs, labels: targets, labelSmoothing: labelSmoothing)
                ?? objective(outputs, targets)
        }
        try value.backward()
        for c in callbacks { try c.gradientsComputed(self, loss: value) }
        try update()
        return try value.item()
    }

    /// Clipping, the optimizer's step and zeroed gradients: the end of every step, one process or
    /// one rank of many (whose gradients are the whole batch's by then).
    private func update() throws {
        // Clipping and the update are not the model's forward pass: forward hooks do not hear them.
        try Hooks.withForwardHooksPaused {
            try Profiler.measure("optimizer", category: "step") {
                if gradientClip > 0 { try GradientClipping.clipNorm(optimizer.parameters, maxNorm: gradientClip) }
                try optimizer.step()
            }
        }
        optimizer.zeroGrad()   // every trainable parameter; frozen ones never receive a gradient
        step += 1
    }

    /// One step as rank `parallel.rank`: forward and backward on this rank's rows of the batch,
    /// its loss weighted by its share of the batch (of the supervised targets, with
    /// ``ignoreIndex``), so that the ranks' gradients sum to the whole batch's; then the update
    /// every rank makes alike. Returns the whole batch's loss.
    func dataParallelStep(_ inputs: Tensor, _ targets: Tensor, _ parallel: DataParallel) throws -> Double {
        if let scheduler { optimizer.lr = scheduler.rate(step: step) }
        let rows = inputs.shape.first ?? 0
        let share = BatchShare.range(rank: parallel.rank, of: parallel.worldSize, rows: rows)
        guard !share.isEmpty else {
            throw DataParallelError("a batch of \(rows) rows cannot be shared by \(parallel.worldSize) ranks: every rank needs at least one; "
                                    + "use a larger train.batch_size or fewer ranks")
        }
        let x = try inputs.slice(axis: 0, share.lowerBound, share.upperBound)
        let y = try targets.slice(axis: 0, share.lowerBound, share.upperBound)
        var weight = Double(share.count) / Double(rows)
        if let ignoreIndex, loss == .crossEntropy {
            let labels = targets.ints(), perRow = max(labels.count / max(rows, 1), 1)
            let supervised = labels.filter { $0 != ignoreIndex }.count
            let mine = labels[(share.lowerBound * perRow)..<(share.upperBound * perRow)].filter { $0 != ignoreIndex }.count
            weight = supervised > 0 ? Double(mine) / Double(supervised) : 0
        }
        for c in callbacks { try c.batchBegan(self, inputs: x, targets: y) }
        let value = try CrossReplica.with(parallel.replicaReducer) { () throws -> Tensor in
            let value = try Profiler.measure("forward", category: "step") {
                let outputs = try model(x)
                return try distillation?.loss(outputs, inputs: x, labels: y, labelSmoothing: labelSmoothing)
                    ?? objective(outputs, y)
            }
            try parallel.beginBackward(self)
            // A share without supervised targets adds nothing (its mean loss is not a number):
            // the reduction still runs, with zeros for this rank.
            if weight > 0 { try value.backward(Tensor.full(value.shape, value: weight, dtype: value.dtype)) }
            return value
        }
        try parallel.finishBackward(self)
        for c in callbacks { try c.gradientsComputed(self, loss: value) }
        try update()
        let local = try value.item()
        return try parallel.finishStep(self, weightedLoss: weight > 0 ? weight * local : 0)
    }

    /// The training loss of `outputs` against `targets` (masked when ``ignoreIndex`` is set).
    func objective(_ outputs: Tensor, _ targets: Tensor) throws -> Tensor {
        if let ignoreIndex, loss == .crossEntropy { return try Loss.crossEntropy(outputs, targets, ignoreIndex: ignoreIndex) }
        return try loss(outputs, targets, labelSmoothing: labelSmoothing)
    }

    /// Loss and metrics on a dataset in evaluation mode: `loss` always; `accuracy` (and
    /// `perplexity` for token sequences) for classification; `mse` and `mae` for regression.
    /// With ``ignoreIndex`` set, over the supervised targets only.
    public func evaluate(_ dataset: TensorDataset) throws -> [String: Double] {
        if let ignoreIndex, loss == .crossEntropy { return try evaluateMasked(dataset, ignoring: ignoreIndex) }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try GradMode.withoutGrad {
            var lossSum = 0.0, correct = 0.0, count = 0.0, sq = 0.0, abs = 0.0, elements = 0.0
            var start = 0
            while start < dataset.count {
                let idx = Array(start..<min(start + evaluationBatchSize, dataset.count))
                let (x, y) = try dataset.batch(idx)
                let out = try model(x)
                let rows = Double(idx.count)
                lossSum += try loss(out, y).item() * rows
                if loss.isClassification {
                    correct += try Metrics.accuracy(logits: out, labels: y) * rows
                } else {
                    sq += try Metrics.mse(out, y) * Double(y.count)
                    abs += try Metrics.mae(out, y) * Double(y.count)
                    elements += Double(y.count)
                }
                count += rows
                start += idx.count
            }
            var result = ["loss": lossSum / max(count, 1)]
            if loss.isClassification {
                result["accuracy"] = correct / max(count, 1)
                if dataset.targets.rank == 2 { result["perplexity"] = Metrics.perplexity(crossEntropy: result["loss"]!) }
            } else {
                result["mse"] = sq / max(elements, 1)
                result["mae"] = abs / max(elements, 1)
            }
            return result
        }
    }

    /// `evaluate` over the targets that are not `ignored`: the loss, accuracy and perplexity per
    /// supervised token (a batch with none adds nothing).
    func evaluateMasked(_ dataset: TensorDataset, ignoring ignored: Int) throws -> [String: Double] {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try GradMode.withoutGrad {
            var lossSum = 0.0, correct = 0.0, count = 0.0
            var start = 0
            while start < dataset.count {
                let idx = Array(start..<min(start + evaluationBatchSize, dataset.count))
                start += idx.count
                let (x, y) = try dataset.batch(idx)
                let labels = y.ints()
                let kept = labels.indices.filter { labels[$0] != ignored }
                guard !kept.isEmpty else { continue }
                let out = try model(x)
                let rows = try out.reshaped([-1, out.shape.last ?? 1]).indexSelect(axis: 0, indices: Tensor(indices: kept))
                let keptLabels = Tensor(indices: kept.map { labels[$0] })
                let n = Double(kept.count)
                lossSum += try Loss.crossEntropy(rows, keptLabels).item() * n
                correct += try Metrics.accuracy(logits: rows, labels: keptLabels) * n
                count += n
            }
            let mean = lossSum / max(count, 1)
            return ["loss": mean, "accuracy": correct / max(count, 1), "perplexity": Metrics.perplexity(crossEntropy: mean)]
        }
    }

    /// Model outputs for `inputs` [N, ...] in evaluation mode, batched.
    public func predict(_ inputs: Tensor) throws -> Tensor {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return try GradMode.withoutGrad {
            var outputs: [Tensor] = []
            var start = 0
            let n = inputs.shape.first ?? 0
            while start < n {
                let end = min(start + evaluationBatchSize, n)
                outputs.append(try model(inputs.slice(axis: 0, start, end).contiguous()))
                start = end
            }
            return outputs.isEmpty ? try model(inputs) : try Tensor.concat(outputs, axis: 0)
        }
    }
}
