import Foundation
import LoupeCore
import LoupeData
import LoupeNN
import LoupeTrain

/// Watches a training run and records what the diagnosis needs: loss and learning rate every step;
/// per-layer gradient, weight, update and activation statistics at an adaptive cadence; the data's
/// statistics; and, when switched on, where NaN or infinity first appeared.
///
/// ```swift
/// let monitor = HealthMonitor(trainSample: splits.train)
/// trainer.callbacks.append(monitor)
/// try trainer.fit(&loader, validation: splits.validation, epochs: 5)
/// let findings = Diagnosis(telemetry: monitor.telemetry).findings()
/// ```
public final class HealthMonitor: TrainerCallback {
    public struct Options: Sendable {
        /// Sample every step until this step, then every `interval` steps.
        public var everyStepUntil = 50
        public var interval = 10
        /// Check every op's output and gradient for NaN/infinity (costs one read of each tensor).
        public var locateNonFinite = false
        /// Examples of the training split evaluated at each epoch end and audited at the end.
        public var auditExamples = 2000
        public var histogramBins = 40
        /// At most this many weight (and gradient) histograms are kept per parameter layer.
        public var parameterHistogramsPerLayer = 50
        public init() {}
    }

    public let options: Options
    public private(set) var telemetry = Telemetry()
    /// Called with each weight and gradient histogram as it is taken (to write it live to
    /// TensorBoard, say), including those a later thinning drops from the telemetry.
    public var histogramTaken: ((ParameterHistogram) throws -> Void)?
    /// The training split (for the per-epoch train-sample metrics and the label audit).
    let trainData: TensorDataset?
    let locator: NonFiniteLocator?
    private let data = DataProfiler()
    private let activations = ActivationRecorder()

    private var groups: [(path: String, parameters: [Parameter])] = []
    private var namedParameters: [(name: String, parameter: Parameter)] = []
    private var sampling = false
    private var weightsBefore: [[Tensor]] = []
    private var hook: HookHandle?
    private var auditSample: TensorDataset?
    /// Parameter histograms are taken at every `histogramInterval`-th sampled step (column).
    private var histogramInterval = 5

    public init(trainSample: TensorDataset? = nil, options: Options = Options()) {
        self.options = options
        self.trainData = trainSample
        self.locator = options.locateNonFinite ? NonFiniteLocator() : nil
    }

    /// Whether per-layer statistics are taken at this step (0-based).
    public func samples(step: Int) -> Bool { step < options.everyStepUntil || step % options.interval == 0 }

    // MARK: Callbacks

    public func trainBegan(_ trainer: Trainer) throws {
        namedParameters = trainer.model.namedParameters().filter(\.parameter.isTrainable)
        var order: [String] = []
        var byPath: [String: [Parameter]] = [:]
        for (name, p) in namedParameters {
            let path = name.split(separator: ".").dropLast().joined(separator: ".")
            if byPath[path] == nil { order.append(path) }
            byPath[path, default: []].append(p)
        }
        groups = order.map { ($0, byPath[$0]!) }
        let types = Dictionary(trainer.model.namedModules().map { ($0.path, String(describing: type(of: $0.module))) },
                               uniquingKeysWith: { a, _ in a })
        for path in order {
            let i = telemetry.layerIndex(path, kind: .parameters)
            telemetry.layers[i].op = types[path] ?? ""
        }
        telemetry.model.layerOrder = order
        telemetry.model.loss = trainer.loss.rawValue
        telemetry.model.optimizer = String(describing: type(of: trainer.optimizer))
        telemetry.model.parameters = trainer.model.parameterCount
        if let trainData, trainData.count > 0 {
            auditSample = trainData.count <= options.auditExamples ? trainData
                : try trainData.subset(Array(stride(from: 0, to: trainData.count, by: max(1, trainData.count / options.auditExamples)).prefix(options.auditExamples)))
        }
        hook = Hooks.addForwardHook { [weak self] e in self?.activations.observe(e) }
        locator?.attach()
        if trainer.step == 0 { locator?.checkWeights(namedParameters, phase: .initialization) }
    }

    public func batchBegan(_ trainer: Trainer, inputs: Tensor, targets: Tensor) throws {
        sampling = samples(step: trainer.step)
        activations.recording = sampling
        activations.watchingSoftmax = trainer.step < 3
        locator?.step = trainer.step + 1
        data.observe(inputs: inputs, targets: targets, firstEpoch: trainer.epoch == 0)
        locator?.checkInputs(inputs)
    }

    public func gradientsComputed(_ trainer: Trainer, loss: Tensor) throws {
        activations.recording = false
        guard sampling else { return }
        // Statistics of this step's gradients and weights, and a copy of the weights for Δw.
        weightsBefore = try Hooks.withForwardHooksPaused {
            try GradMode.withoutGrad { try groups.map { try $0.parameters.map { try $0.value * 1 } } }
        }
        telemetry.sampledSteps.append(trainer.step + 1)
        let column = telemetry.sampledSteps.count - 1
        for (path, parameters) in groups {
            var grads = TensorStatistics(), weights = TensorStatistics()
            for p in parameters {
                if let g = p.grad { grads.merge(g.statistics()) }
                weights.merge(p.value.statistics())
            }
            let i = telemetry.layerIndex(path, kind: .parameters)
            var series = telemetry.layers[i]
            Self.pad(&series, to: column)
            series.gradNorm.append(grads.nonFinite > 0 ? .nan : Float(grads.norm))
            series.gradMax.append(grads.nonFinite > 0 ? .nan : Float(grads.maxMagnitude))
            series.weightNorm.append(Float(weights.norm))
            series.zeroGradFraction.append(grads.total > 0 ? Float(grads.zeros) / Float(grads.total) : .nan)
            telemetry.layers[i] = series
        }
        if column % histogramInterval == 0 { try recordParameterHistograms(step: trainer.step + 1) }
        activations.flush(into: &telemetry, column: column, step: trainer.step + 1, histogramBins: options.histogramBins)
        if activations.softmaxIntoLoss, !telemetry.model.softmaxIntoLoss {
            telemetry.model.softmaxIntoLoss = true
            telemetry.model.softmaxPath = activations.softmaxPath
        }
    }

    public func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {
        telemetry.loss.append(Float(loss))
        telemetry.learningRate.append(Float(trainer.optimizer.lr))
        if activations.softmaxIntoLoss, !telemetry.model.softmaxIntoLoss {
            telemetry.model.softmaxIntoLoss = true
            telemetry.model.softmaxPath = activations.softmaxPath
        }
        locator?.checkWeights(namedParameters)
        if sampling, !weightsBefore.isEmpty {
            let column = telemetry.sampledSteps.count - 1
            try Hooks.withForwardHooksPaused { try GradMode.withoutGrad {
                for (g, group) in groups.enumerated() {
                    var delta = TensorStatistics(), before = TensorStatistics()
                    for (p, old) in zip(group.parameters, weightsBefore[g]) {
                        delta.merge(try (p.value - old).statistics())
                        before.merge(old.statistics())
                    }
                    let i = telemetry.layerIndex(group.path, kind: .parameters)
                    Self.pad(&telemetry.layers[i], to: column)
                    telemetry.layers[i].updateRatio.append(before.norm > 0 ? Float(delta.norm / before.norm) : .nan)
                }
            } }
            weightsBefore = []
        }
        sampling = false
    }

    public func epochEnded(_ trainer: Trainer, logs: EpochLogs) throws {
        var record = EpochRecord(epoch: logs.epoch, step: logs.step, trainLoss: logs.trainLoss, validation: logs.validation,
                                 trainSample: nil, learningRate: logs.learningRate)
        if let auditSample, trainer.loss.isClassification, logs.trainLoss.isFinite {
            record.trainSample = try Hooks.withForwardHooksPaused { try trainer.evaluate(auditSample) }
        }
        telemetry.epochs.append(record)
    }

    public func trainEnded(_ trainer: Trainer) throws {
        hook?.remove()
        hook = nil
        locator?.detach()
        telemetry.data = data.profile
        telemetry.nonFinite = locator?.event
        telemetry.stopReason = trainer.stopReason
        if let trainData, trainer.loss.isClassification, let last = telemetry.loss.last, last.isFinite,
           let validation = telemetry.epochs.last?.validation?["accuracy"] {
            telemetry.labelAudit = try LabelAuditor.audit(trainer: trainer, data: trainData, limit: 20_000,
                                                          validationAccuracy: validation)
        }
    }

    /// Histograms of each parameter layer's weights and gradients at `step`. Once a layer would
    /// have more than `parameterHistogramsPerLayer`, every other step is dropped and the interval
    /// doubles, so the steps kept stay evenly spread over the run.
    private func recordParameterHistograms(step: Int) throws {
        let bins = options.histogramBins
        for (path, parameters) in groups {
            let grads = parameters.compactMap(\.grad)
            let values: [(ParameterHistogram.Kind, [Tensor])] = [(.weights, parameters.map(\.value)), (.gradients, grads)]
            for (kind, tensors) in values where !tensors.isEmpty {
                guard let h = ValueHistogram(tensors.flatMap { $0.floats() }, bins: bins) else { continue }
                let histogram = ParameterHistogram(path: path, kind: kind, step: step, h)
                telemetry.parameterHistograms.append(histogram)
                try histogramTaken?(histogram)
            }
        }
        var steps: [Int] = []
        for h in telemetry.parameterHistograms where steps.last != h.step { steps.append(h.step) }
        if steps.count > options.parameterHistogramsPerLayer {
            let kept = Set(steps.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
            telemetry.parameterHistograms.removeAll { !kept.contains($0.step) }
            histogramInterval *= 2
        }
    }

    /// Keeps a layer's columns aligned with `sampledSteps` when it missed some samples.
    static func pad(_ s: inout LayerSeries, to column: Int) {
        func fill(_ a: inout [Float]) { while a.count < column { a.append(.nan) } }
        fill(&s.gradNorm); fill(&s.gradMax); fill(&s.weightNorm); fill(&s.zeroGradFraction); fill(&s.updateRatio)
        fill(&s.mean); fill(&s.std); fill(&s.min); fill(&s.max); fill(&s.zeroFraction); fill(&s.saturatedFraction)
        fill(&s.deadUnitFraction)
    }
}
