import LoupeCore
import LoupeNN

/// Builds the model a run file describes, checking each layer against the shape flowing into it.
public enum ModelBuilder {
    /// - Parameters:
    ///   - sampleShape: one example's shape as the data provides it (e.g. [64], [1, 28, 28], [T] tokens).
    ///   - outputs: classes (classification), vocabulary (text) or target width (regression), to
    ///     check the last layer against.
    /// - Throws: ``RunConfigError`` naming the key: a setting out of its range
    ///   (``RunConfig/ModelSection`` is validated first), or a layer that does not fit its input.
    public static func build(_ spec: RunConfig.ModelSection, sampleShape: [Int], outputs: Int?, seed: UInt64) throws -> Sequential {
        try spec.validate()
        var rng = RandomGenerator(seed: seed)
        var modules: [Module] = []
        var shape = spec.input ?? sampleShape
        if shape != sampleShape {
            guard shape.reduce(1, *) == sampleShape.reduce(1, *) else {
                throw RunConfigError.invalidValue(key: "model.input", value: "\(shape)",
                                                  allowed: "a shape with the data's \(sampleShape.reduce(1, *)) values per example (the data gives \(sampleShape))")
            }
            modules.append(Reshape(shape))
        }
        var dropoutSeed = seed &* 1000
        for (i, layer) in spec.layers.enumerated() {
            let key = "model.layers[\(i)]"
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
        return Sequential(modules)
    }
}
