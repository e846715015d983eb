import LoupeCore
import LoupeNN

extension ActivationKind: RunFileValueConvertible {}

/// A layer's keys in a run file: `type`, then its settings in the order docs/RUNFILES.md gives
/// them. Settings with a default (`stride`, `layers`, ...) may be left out; unset ones are not
/// written.
extension LayerSpec: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        let kind = try t.required("type") { try t.named($0, among: Self.allKinds, by: \.type) }
        switch kind {
        case .linear:
            self = .linear(units: try t.required("units", t.int), activation: try t.choice("activation"),
                           initializer: try t.initializer("init"), biasInit: try t.double("bias_init"))
        case .conv2d:
            self = .conv2d(filters: try t.required("filters", t.int), kernel: try t.required("kernel", t.int),
                           stride: try t.int("stride") ?? 1, padding: try t.int("padding") ?? 0, activation: try t.choice("activation"),
                           initializer: try t.initializer("init"), biasInit: try t.double("bias_init"))
        case .maxPool2d:
            self = .maxPool2d(size: try t.required("size", t.int))
        case .avgPool2d:
            self = .avgPool2d(size: try t.required("size", t.int))
        case .dropout:
            self = .dropout(rate: try t.required("rate", t.double))
        case .embedding:
            self = .embedding(vocab: try t.required("vocab", t.int), dim: try t.required("dim", t.int))
        case let .recurrent(recurrentKind, _, _, _):
            self = .recurrent(recurrentKind, units: try t.required("units", t.int), layers: try t.int("layers") ?? 1,
                              returnSequences: try t.bool("return_sequences") ?? false)
        case .gpt:
            self = .gpt(layers: try t.required("layers", t.int), heads: try t.required("heads", t.int), dim: try t.required("dim", t.int),
                        block: try t.required("block", t.int), vocab: try t.int("vocab"), dropout: try t.double("rate") ?? 0)
        case .activation:
            self = .activation(try t.required("activation", t.choice))
        case .flatten, .batchNorm, .layerNorm:
            self = kind
        }
    }

    var entries: [RunFileEntry] {
        let settings: [RunFileEntry?] = switch self {
        case let .linear(units, activation, initializer, biasInit):
            [RunFileEntry("units", units), RunFileEntry("activation", ifSet: activation), RunFileEntry("init", ifSet: initializer),
             RunFileEntry("bias_init", ifSet: biasInit)]
        case let .conv2d(filters, kernel, stride, padding, activation, initializer, biasInit):
            [RunFileEntry("filters", filters), RunFileEntry("kernel", kernel), RunFileEntry("stride", stride),
             RunFileEntry("padding", padding), RunFileEntry("activation", ifSet: activation),
             RunFileEntry("init", ifSet: initializer), RunFileEntry("bias_init", ifSet: biasInit)]
        case let .maxPool2d(size), let .avgPool2d(size):
            [RunFileEntry("size", size)]
        case let .dropout(rate):
            [RunFileEntry("rate", rate)]
        case let .embedding(vocab, dim):
            [RunFileEntry("vocab", vocab), RunFileEntry("dim", dim)]
        case let .recurrent(_, units, layers, returnSequences):
            [RunFileEntry("units", units), RunFileEntry("layers", layers), RunFileEntry("return_sequences", returnSequences)]
        case let .gpt(layers, heads, dim, block, vocab, dropout):
            [RunFileEntry("layers", layers), RunFileEntry("heads", heads), RunFileEntry("dim", dim), RunFileEntry("block", block),
             RunFileEntry("vocab", ifSet: vocab), RunFileEntry("rate", dropout)]
        case let .activation(kind):
            [RunFileEntry("activation", kind)]
        case .flatten, .batchNorm, .layerNorm:
            []
        }
        return [RunFileEntry("type", type)] + settings.compactMap { $0 }
    }
}
