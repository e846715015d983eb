import Foundation
import LoupeTrain

/// Applies a finding's fix to a run file's configuration.
public enum Fixer {
    /// The configuration with `action` applied, or nil when it would change nothing (the fix does
    /// not apply to this run file, e.g. "drop the init overrides" when there are none).
    /// - Parameter suspectLabelsFile: where the previous run wrote its suspect labels (for
    ///   `.dropSuspectLabels`).
    public static func apply(_ action: FixAction, to config: RunConfig, suspectLabelsFile: String? = nil) -> RunConfig? {
        var c = config
        switch action {
        case let .scaleLearningRate(factor):
            c.train.lr = (config.train.lr * factor * 1e6).rounded() / 1e6
        case let .clipGradients(norm):
            c.train.gradClip = norm
        case .defaultInitialization:
            for i in c.model.layers.indices {
                c.model.layers[i].initializer = nil
                c.model.layers[i].biasInit = nil
            }
        case let .replaceActivation(from, to):
            // Hidden layers only: the output layer's activation belongs to the task.
            for i in c.model.layers.indices.dropLast() {
                if let a = c.model.layers[i].activation, from.contains(a) {
                    c.model.layers[i].activation = to
                    // The new activation's default initialization suits it better than a hand-picked one.
                    c.model.layers[i].initializer = nil
                }
            }
        case .normalizeInputs:
            c.data.normalize = .standard
            c.data.inputScale = 1
        case .addBatchNorm:
            var layers: [LayerSpec] = []
            let lastWeighted = config.model.layers.lastIndex(where: \.isLinearOrConv)
            for (i, l) in config.model.layers.enumerated() {
                let followedByNorm = i + 1 < config.model.layers.count && config.model.layers[i + 1] == .batchNorm
                if l.isLinearOrConv, i != lastWeighted, !followedByNorm {
                    var weighted = l
                    let activation = weighted.activation
                    weighted.activation = nil
                    layers.append(weighted)
                    layers.append(.batchNorm)
                    if let activation, activation != .linear {
                        layers.append(.activation(activation))
                    }
                } else {
                    layers.append(l)
                }
            }
            c.model.layers = layers
        case let .switchOptimizer(optimizer, lr):
            c.train.optimizer = optimizer
            c.train.lr = lr
        case let .weightDecay(value):
            c.train.weightDecay = value
        case let .earlyStopping(patience):
            c.train.earlyStoppingPatience = patience
        case let .dropout(rate):
            let dropouts = c.model.layers.indices.filter { if case .dropout = c.model.layers[$0] { true } else { false } }
            if !dropouts.isEmpty {
                for i in dropouts { c.model.layers[i] = .dropout(rate: rate) }
            } else if let last = c.model.layers.lastIndex(where: { if case .linear = $0 { true } else { false } }), last > 0 {
                c.model.layers.insert(.dropout(rate: rate), at: last)
            }
        case .shuffle:
            c.data.shuffle = true
        case .removeOutputSoftmax:
            if let i = c.model.layers.lastIndex(where: { $0.activation == .softmax }) {
                if case .activation = c.model.layers[i] { c.model.layers.remove(at: i) } else { c.model.layers[i].activation = nil }
            }
        case .dropSuspectLabels:
            guard let suspectLabelsFile else { return nil }
            c.data.exclude = suspectLabelsFile
        case let .labelSmoothing(value):
            c.train.labelSmoothing = value
        case let .loraRank(rank):
            guard c.lora != nil else { return nil }
            c.lora?.rank = rank
            c.lora?.alpha = (config.lora!.alpha / Double(config.lora!.rank)) * Double(rank)   // the same α/r scale
        case .readAsChat:
            guard case let .textFile(path) = c.data.dataset else { return nil }
            c.data.dataset = .chat(path: path)
        }
        return c == config ? nil : c
    }
}
