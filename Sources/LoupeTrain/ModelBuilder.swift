import LoupeCore
import LoupeNN

/// Builds the model a run file describes, checking each layer against the shape flowing into it.
public enum ModelBuilder {
    /// - Parameters:
    ///   - sampleShape: one example's shape as the data provides it (e.g. [64], [1, 28, 28], [T] tokens).
    ///   - outputs: classes (classification), vocabulary (text) or target width (regression), to
    ///     check the last layer against.
    ///   - batchSize: examples per step, for the memory the activations take.
    ///   - memoryLimit: the bytes the model may take for training (weights, gradients, optimizer
    ///     state and a batch's activations); this machine's memory by default.
    /// - Throws: ``RunConfigError`` naming the key: a setting out of its range
    ///   (``RunConfig/ModelSection`` is validated first), a layer that does not fit its input, or
    ///   one that would take the model past this machine's memory (``RunConfigError/tooLarge(_:)``,
    ///   checked before anything is allocated, by ``SizePolicy``).
    public static func build(_ spec: RunConfig.ModelSection, sampleShape: [Int], outputs: Int?, seed: UInt64,
                             batchSize: Int = 1, memoryLimit: Int = SizePolicy.availableBytes) throws -> Sequential {
        try spec.validate()
        var budget = MemoryBudget(batchSize: batchSize, limit: memoryLimit)
        var modules: [Module] = []
        var shape = spec.input ?? sampleShape
        if shape != sampleShape {
            guard shape.reduce(1, *) == sampleShape.reduce(1, *) else {
                throw RunConfigError.invalidValue(key: "model.input", value: "\(shape)",
                                                  allowed: "a shape with the data's \(sampleShape.reduce(1, *)) values per example (the data gives \(sampleShape))")
            }
            modules.append(Reshape(shape))
        }
        var rng = RandomGenerator(seed: seed)
        var dropoutSeed = seed &* 1000
        for (i, layer) in spec.layers.enumerated() {
            let key = "model.layers[\(i)]"
            try budget.add(layer, key: key, input: shape, outputs: outputs)
            func need(_ rank: Int, _ what: String) throws {
                guard shape.count == rank else {
                    throw RunConfigError.invalidValue(key: key, value: "type \"\(layer.type)\" on input \(shape)", allowed: what)
                }
            }
            switch layer {
            case let .linear(units, _, initializer, biasInit):
                guard let last = shape.last else { throw RunConfigError.invalidValue(key: key, value: "linear on a scalar", allowed: "an input with features") }
                modules.append(try Linear(last, units, weightInit: initializer, biasInit: biasInit.map { .constant($0) }, using: &rng))
                shape[shape.count - 1] = units
            case let .conv2d(filters, kernel, stride, padding, _, initializer, biasInit):
                try need(3, "conv2d needs [channels, height, width] input (set model.input = [C, H, W])")
                // The budget checked that the padded sizes do not overflow.
                let oh = (shape[1] + 2 * padding - kernel) / stride + 1, ow = (shape[2] + 2 * padding - kernel) / stride + 1
                guard oh >= 1, ow >= 1 else {
                    throw RunConfigError.invalidValue(key: "\(key).kernel", value: "\(kernel)", allowed: "a kernel no larger than the padded input \(shape)")
                }
                modules.append(try Conv2d(shape[0], filters, kernel: kernel, stride: stride, padding: padding,
                                          weightInit: initializer, biasInit: biasInit.map { .constant($0) }, using: &rng))
                shape = [filters, oh, ow]
            case let .maxPool2d(size), let .avgPool2d(size):
                try need(3, "pooling needs [channels, height, width] input")
                guard shape[1] >= size, shape[2] >= size else {
                    throw RunConfigError.invalidValue(key: "\(key).size", value: "\(size)", allowed: "a window no larger than \(shape[1])×\(shape[2])")
                }
                modules.append(layer == .maxPool2d(size: size) ? MaxPool2d(size) : AvgPool2d(size))
                shape = [shape[0], (shape[1] - size) / size + 1, (shape[2] - size) / size + 1]
            case .flatten:
                modules.append(Flatten())
                shape = [shape.reduce(1, *)]
            case let .dropout(rate):
                dropoutSeed &+= 1
                modules.append(try Dropout(rate, seed: dropoutSeed))
            case .batchNorm:
                guard shape.count == 1 || shape.count == 3 else {
                    throw RunConfigError.invalidValue(key: key, value: "batchnorm on \(shape)", allowed: "features [F] or [C, H, W]")
                }
                modules.append(BatchNorm(shape[0]))
            case .layerNorm:
                modules.append(LayerNorm(shape.last ?? 1))
            case let .embedding(vocab, dim):
                try need(1, "embedding needs token ids [T]")
                modules.append(try Embedding(vocab, dim, using: &rng))
                shape = shape + [dim]
            case let .recurrent(kind, units, layers, returnSequences):
                try need(2, "\(layer.type) needs a sequence [T, features] (put an embedding first for tokens)")
                modules.append(try Recurrent(kind, inputSize: shape[1], hiddenSize: units, layers: layers,
                                             returnSequences: returnSequences, using: &rng))
                shape = returnSequences ? [shape[0], units] : [units]
            case let .gpt(layers, heads, dim, block, vocab, dropout):
                try need(1, "gpt needs token ids [T]")
                guard let vocab = vocab ?? outputs else {
                    throw RunConfigError.missingKey(key: "\(key).vocab")
                }
                guard shape[0] <= block else {
                    throw RunConfigError.invalidValue(key: "\(key).block", value: "\(block)", allowed: "at least the data's block size \(shape[0])")
                }
                let config = GPTConfig(vocabulary: vocab, blockSize: block, layers: layers, heads: heads, dim: dim, dropout: dropout)
                modules.append(try GPT(config, using: &rng))
                shape = [shape[0], vocab]
            case .activation:
                break
            }
            if let activation = layer.activation, activation != .linear {
                modules.append(Activation(activation))
            }
        }
        if let outputs, let last = shape.last, last != outputs {
            throw RunConfigError.invalidValue(key: "model.layers[\(spec.layers.count - 1)]", value: "an output of \(last) values",
                                              allowed: "\(outputs) outputs, one per class / vocabulary entry / target the data has")
        }
        let model = Sequential(modules)
        // A quantized run: the same layers, their linear and convolution ones in int8, to load
        // the run's int8 checkpoint into.
        return try spec.quantize.map { try Int8Conversion.placeholder(model, activations: $0.activations) } ?? model
    }
}

/// What a model will take in memory, added up layer by layer before each is built: parameters
/// (weights, gradients and up to two optimizer states: 16 bytes each) and activations (each
/// layer's output and its gradient for a batch: 8 bytes per value). Every product is
/// overflow-checked, so a layer of 10^12 units is an error naming it, not a trap.
struct MemoryBudget {
    let batchSize: Int
    /// The memory it must fit in.
    let limit: Int
    private(set) var parameters = 0
    private(set) var activationsPerExample = 0

    init(batchSize: Int, limit: Int = SizePolicy.availableBytes) { (self.batchSize, self.limit) = (max(batchSize, 1), limit) }

    /// Adds `layer` (its input `input`) and throws when the model so far would not fit.
    mutating func add(_ layer: LayerSpec, key: String, input: [Int], outputs: Int?) throws {
        let p = SizePolicy.product, s = SizePolicy.sum
        let last = input.last ?? 1
        var params: Int? = 0, output: [Int]? = input
        switch layer {
        case let .linear(units, _, _, _):
            params = s([p([last, units]), units])
            output = input.dropLast() + [units]
        case let .conv2d(filters, kernel, stride, padding, _, _, _):
            guard input.count == 3 else { return }   // the builder names the shape error
            params = s([p([filters, input[0], kernel, kernel]), filters])
            let padded = [1, 2].map { s([input[$0], p([2, padding])]) }
            if let h = padded[0], let w = padded[1] {
                output = [filters, max((h - kernel) / stride + 1, 0), max((w - kernel) / stride + 1, 0)]
            } else {
                output = nil
            }
        case let .embedding(vocab, dim):
            params = p([vocab, dim])
            output = input + [dim]
        case let .recurrent(kind, units, layers, returnSequences):
            let gates = kind == .lstm ? 4 : kind == .gru ? 3 : 1
            let first = s([p([gates, units, s([last, units]) ?? -1]), p([2, gates, units])])
            let rest = p([layers - 1, s([p([gates, units, 2 * units]), p([2, gates, units])]) ?? -1])
            params = s([first, rest])
            output = returnSequences ? [input.first ?? 1, units] : [units]
        case let .gpt(layers, heads, dim, block, vocab, _):
            let vocab = vocab ?? outputs ?? 1
            // Per block: attention (4·dim² + 4·dim), MLP (8·dim² + 5·dim), two norms (4·dim).
            let perBlock = s([p([12, dim, dim]), p([13, dim])])
            params = s([p([vocab, dim]), p([block, dim]), p([layers, perBlock ?? -1]), p([dim, vocab]), p([2, dim])])
            // Inside each block, about 20 values per position and feature, and the attention weights.
            let t = input.first ?? 1
            let inner = s([p([layers, t, dim, 20]), p([layers, heads, t, t, 2])])
            output = s([inner, p([t, vocab])]).map { [$0] }
        case .maxPool2d, .avgPool2d, .flatten, .dropout, .batchNorm, .layerNorm, .activation:
            params = layer == .batchNorm || layer == .layerNorm ? p([2, last]) : 0
        }
        let source = "\(key) (\(layer.type))"
        let newParameters = s([parameters, params])
        let newActivations = s([activationsPerExample, output.flatMap(p)])
        guard let newParameters, let newActivations else {
            throw RunConfigError.tooLarge(SizeError(source: source, bytes: nil, limit: limit))
        }
        let bytes = s([p([newParameters, 16]), p([newActivations, batchSize, 8])])
        do { try SizePolicy.check(bytes: bytes, for: source, limit: limit) } catch { throw RunConfigError.tooLarge(error) }
        (parameters, activationsPerExample) = (newParameters, newActivations)
    }
}
