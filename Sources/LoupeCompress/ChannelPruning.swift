import LoupeCore
import LoupeNN
import LoupeTrain

/// Structured pruning that makes a model smaller, not sparse: from every hidden linear or
/// convolution layer, the units or channels whose weights have the smallest L2 norm are removed —
/// their rows, their biases, their entries in the batch norm after them, and the columns (or
/// input channels) of the next weighted layer that read them. The result is a run file with
/// fewer `units`/`filters` and the weights that fit it, so the pruned model runs in smaller
/// tensors (fewer FLOPs, a smaller file) with no masks at all.
///
/// The last weighted layer (the outputs) is never pruned. Models with embedding, recurrent or
/// GPT layers are refused.
public enum ChannelPruning {
    public struct Result: Sendable {
        /// The model section with the smaller layers.
        public let model: RunConfig.ModelSection
        /// The pruned model's parameters and buffers, by the names the new model has.
        public let state: [String: Tensor]
        /// Per pruned layer: its index in `model.layers`, and units before and after.
        public let changes: [(layer: Int, before: Int, after: Int)]
    }

    /// Prunes `fraction` of the hidden units and channels of `model`, built from `spec` and fed
    /// `sample` (a batch of one or more examples, for the shapes between layers).
    public static func prune(_ model: Sequential, spec: RunConfig.ModelSection, sample: Tensor, fraction: Double) throws -> Result {
        guard fraction >= 0 && fraction < 1 else {
            throw CompressionError.invalidPlan("prune-channels:\(fraction)", reason: "the fraction must be in [0, 1)")
        }
        let layers = model.layers
        for (i, layer) in layers.enumerated() {
            let allowed: [Module.Type] = [Linear.self, Conv2d.self, Activation.self, Dropout.self, MaxPool2d.self, AvgPool2d.self,
                                          Flatten.self, BatchNorm.self, LayerNorm.self, Reshape.self]
            guard allowed.contains(where: { type(of: layer) == $0 }) else {
                throw CompressionError.unsupported(step: "prune-channels", reason: "layer \(i) is a \(type(of: layer)); structured pruning takes models of linear, conv2d, pooling, norm, activation, dropout and flatten layers")
            }
        }
        // Each layer's output shape for one example.
        var shapes: [[Int]] = []
        model.eval()
        try GradMode.withoutGrad {
            var h = sample
            for layer in layers {
                h = try layer(h)
                shapes.append(Array(h.shape.dropFirst()))
            }
        }
        let weighted = layers.indices.filter { layers[$0] is Linear || layers[$0] is Conv2d }
        let specIndices = spec.layers.indices.filter { spec.layers[$0].isLinearOrConv }
        guard weighted.count == specIndices.count else {
            throw CompressionError.unsupported(step: "prune-channels", reason: "the model's weighted layers do not match its run file's")
        }
        var state = model.stateDict()
        var newSpec = spec
        var changes: [(Int, Int, Int)] = []
        for (t, (a, b)) in zip(weighted, weighted.dropFirst()).enumerated() {
            let weight = state["layers.\(a).weight"]!
            let units = weight.shape[0], perUnit = weight.count / units
            let keepCount = max(1, Int((Double(units) * (1 - fraction)).rounded()))
            guard keepCount < units else { continue }
            let values = weight.floats()
            let norms = (0..<units).map { u in values[(u * perUnit)..<((u + 1) * perUnit)].reduce(Float(0)) { $0 + $1 * $1 } }
            let keep = (0..<units).sorted { norms[$0] > norms[$1] }.prefix(keepCount).sorted()
            state["layers.\(a).weight"] = try select(weight, axis: 0, keep)
            if let bias = state["layers.\(a).bias"] { state["layers.\(a).bias"] = try select(bias, axis: 0, keep) }
            // Follow the kept units to the next weighted layer's inputs.
            var kept = Array(keep)
            var isChannels = layers[a] is Conv2d
            for i in (a + 1)..<b {
                switch layers[i] {
                case is BatchNorm:
                    for name in ["weight", "bias", "runningMean", "runningVar"] {
                        state["layers.\(i).\(name)"] = try select(state["layers.\(i).\(name)"]!, axis: 0, kept)
                    }
                case is LayerNorm where !isChannels:
                    for name in ["weight", "bias"] { state["layers.\(i).\(name)"] = try select(state["layers.\(i).\(name)"]!, axis: 0, kept) }
                case is Flatten where isChannels:
                    let area = shapes[i - 1].dropFirst().reduce(1, *)
                    kept = kept.flatMap { c in (c * area)..<((c + 1) * area) }
                    isChannels = false
                case is LayerNorm:
                    throw CompressionError.unsupported(step: "prune-channels", reason: "layer \(i): a layer norm over a convolution's width cannot lose channels")
                default:
                    break
                }
            }
            state["layers.\(b).weight"] = try select(state["layers.\(b).weight"]!, axis: 1, kept)
            let specIndex = specIndices[t]
            switch newSpec.layers[specIndex] {
            case let .linear(_, activation, initializer, biasInit):
                newSpec.layers[specIndex] = .linear(units: keepCount, activation: activation, initializer: initializer, biasInit: biasInit)
            case let .conv2d(_, kernel, stride, padding, activation, initializer, biasInit):
                newSpec.layers[specIndex] = .conv2d(filters: keepCount, kernel: kernel, stride: stride, padding: padding,
                                                    activation: activation, initializer: initializer, biasInit: biasInit)
            default:
                break
            }
            changes.append((specIndex, units, keepCount))
        }
        return Result(model: newSpec, state: state, changes: changes)
    }

    /// `t` with only the entries `keep` along `axis` (0 or 1).
    static func select(_ t: Tensor, axis: Int, _ keep: [Int]) throws -> Tensor {
        let shape = t.shape
        let values = try t.to(.float32).contiguous().floats()
        let inner = shape.dropFirst(axis + 1).reduce(1, *), outer = shape.prefix(axis).reduce(1, *), n = shape[axis]
        var out: [Float] = []
        out.reserveCapacity(outer * keep.count * inner)
        for o in 0..<outer {
            for k in keep { out += values[((o * n + k) * inner)..<((o * n + k + 1) * inner)] }
        }
        var newShape = shape
        newShape[axis] = keep.count
        return Tensor(out, shape: newShape)
    }
}
