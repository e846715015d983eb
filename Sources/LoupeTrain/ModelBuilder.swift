import LoupeCore
import LoupeNN

/// Builds the model a run file describes, checking each layer against the shape flowing into it.
public enum ModelBuilder {
    /// - Parameters:
    ///   - sampleShape: one example's shape as the data provides it (e.g. [64], [1, 28, 28], [T] tokens).
    ///   - outputs: classes (classification), vocabulary (text) or target width (regression), to
    ///     check the last layer against.
    public static func build(_ spec: RunConfig.ModelSection, sampleShape: [Int], outputs: Int?, seed: UInt64) throws -> Sequential {
        var rng = RandomGenerator(seed: seed)
        var modules: [Module] = []
        var shape = spec.input.isEmpty ? sampleShape : spec.input
        if shape != sampleShape {
            guard shape.reduce(1, *) == sampleShape.reduce(1, *) else {
                throw RunConfigError.invalidValue(key: "model.input", value: "\(shape)",
                                                  allowed: "a shape with the data's \(sampleShape.reduce(1, *)) values per example (the data gives \(sampleShape))")
            }
            modules.append(Reshape(shape))
        }
        var dropoutSeed = seed &* 1000
        for (i, l) in spec.layers.enumerated() {
            let key = "model.layers[\(i)]"
            func need(_ rank: Int, _ what: String) throws {
                guard shape.count == rank else {
                    throw RunConfigError.invalidValue(key: key, value: "type \"\(l.type)\" on input \(shape)", allowed: what)
                }
            }
            switch l.type {
            case "linear":
                guard let last = shape.last else { throw RunConfigError.invalidValue(key: key, value: "linear on a scalar", allowed: "an input with features") }
                modules.append(try Linear(last, l.units!, weightInit: initializer(l.initializer), biasInit: l.biasInit.map { .constant($0) }, using: &rng))
                shape[shape.count - 1] = l.units!
            case "conv2d":
                try need(3, "conv2d needs [channels, height, width] input (set model.input = [C, H, W])")
                let k = l.kernel!, s = l.stride ?? 1, p = l.padding ?? 0
                let oh = (shape[1] + 2 * p - k) / s + 1, ow = (shape[2] + 2 * p - k) / s + 1
                guard oh >= 1, ow >= 1 else {
                    throw RunConfigError.invalidValue(key: "\(key).kernel", value: "\(k)", allowed: "a kernel no larger than the padded input \(shape)")
                }
                modules.append(try Conv2d(shape[0], l.filters!, kernel: k, stride: s, padding: p,
                                          weightInit: initializer(l.initializer), biasInit: l.biasInit.map { .constant($0) }, using: &rng))
                shape = [l.filters!, oh, ow]
            case "maxpool2d", "avgpool2d":
                try need(3, "pooling needs [channels, height, width] input")
                let k = l.size!
                guard shape[1] >= k, shape[2] >= k else {
                    throw RunConfigError.invalidValue(key: "\(key).size", value: "\(k)", allowed: "a window no larger than \(shape[1])×\(shape[2])")
                }
                modules.append(l.type == "maxpool2d" ? MaxPool2d(k) : AvgPool2d(k))
                shape = [shape[0], (shape[1] - k) / k + 1, (shape[2] - k) / k + 1]
            case "flatten":
                modules.append(Flatten())
                shape = [shape.reduce(1, *)]
            case "dropout":
                dropoutSeed &+= 1
                modules.append(try Dropout(l.rate!, seed: dropoutSeed))
            case "batchnorm":
                guard shape.count == 1 || shape.count == 3 else {
                    throw RunConfigError.invalidValue(key: key, value: "batchnorm on \(shape)", allowed: "features [F] or [C, H, W]")
                }
                modules.append(BatchNorm(shape[0]))
            case "layernorm":
                modules.append(LayerNorm(shape.last ?? 1))
            case "embedding":
                try need(1, "embedding needs token ids [T]")
                modules.append(try Embedding(l.vocab!, l.dim!, using: &rng))
                shape = shape + [l.dim!]
            case "lstm", "gru", "rnn":
                try need(2, "\(l.type) needs a sequence [T, features] (put an embedding first for tokens)")
                let kind: RecurrentKind = l.type == "lstm" ? .lstm : (l.type == "gru" ? .gru : .rnn)
                let sequences = l.returnSequences ?? false
                modules.append(try Recurrent(kind, inputSize: shape[1], hiddenSize: l.units!, layers: l.layers ?? 1,
                                             returnSequences: sequences, using: &rng))
                shape = sequences ? [shape[0], l.units!] : [l.units!]
            case "gpt":
                try need(1, "gpt needs token ids [T]")
                guard let vocab = l.vocab ?? outputs else {
                    throw RunConfigError.missingKey(key: "\(key).vocab")
                }
                guard shape[0] <= l.block! else {
                    throw RunConfigError.invalidValue(key: "\(key).block", value: "\(l.block!)", allowed: "at least the data's block size \(shape[0])")
                }
                let config = GPTConfig(vocabulary: vocab, blockSize: l.block!, layers: l.layers!, heads: l.heads!, dim: l.dim!,
                                       dropout: l.rate ?? 0)
                modules.append(try GPT(config, using: &rng))
                shape = [shape[0], vocab]
            case "activation":
                break
            default:
                throw RunConfigError.invalidValue(key: "\(key).type", value: l.type, allowed: RunConfig.layerTypes.joined(separator: " | "))
            }
            if let a = l.activation, a != "linear", let kind = ActivationKind(rawValue: a) {
                modules.append(Activation(kind))
            }
        }
        if let outputs, let last = shape.last, last != outputs {
            throw RunConfigError.invalidValue(key: "model.layers[\(spec.layers.count - 1)]", value: "an output of \(last) values",
                                              allowed: "\(outputs) outputs, one per class / vocabulary entry / target the data has")
        }
        return Sequential(modules)
    }

    static func initializer(_ text: String?) -> Initializer? {
        guard let text else { return nil }
        switch text {
        case "he": return .heNormal
        case "xavier": return .xavierUniform
        case "zeros": return .zeros
        default:
            let parts = text.split(separator: ":")
            guard parts.count == 2, let v = Double(parts[1]) else { return nil }
            switch parts[0] {
            case "normal": return .normal(std: v)
            case "uniform": return .uniform(limit: v)
            default: return .constant(v)
            }
        }
    }
}
