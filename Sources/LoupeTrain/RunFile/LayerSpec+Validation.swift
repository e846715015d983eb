import LoupeCore

/// The ranges of each layer's settings, for ``RunConfig/validate()``.
extension LayerSpec {
    /// Throws the first setting out of its range, naming it under `key` (`model.layers[2]`).
    func validate(key: String) throws {
        switch self {
        case let .linear(units, _, initializer, biasInit):
            try Check.atLeast(units, 1, "\(key).units")
            try Self.validate(initializer, biasInit, key: key)
        case let .conv2d(filters, kernel, stride, padding, _, initializer, biasInit):
            try Check.atLeast(filters, 1, "\(key).filters")
            try Check.atLeast(kernel, 1, "\(key).kernel")
            try Check.atLeast(stride, 1, "\(key).stride")
            try Check.atLeast(padding, 0, "\(key).padding")
            try Self.validate(initializer, biasInit, key: key)
        case let .maxPool2d(size), let .avgPool2d(size):
            try Check.atLeast(size, 1, "\(key).size")
        case let .dropout(rate):
            try Check.rate(rate, "\(key).rate")
        case let .embedding(vocab, dim):
            try Check.atLeast(vocab, 1, "\(key).vocab")
            try Check.atLeast(dim, 1, "\(key).dim")
        case let .recurrent(_, units, layers, _):
            try Check.atLeast(units, 1, "\(key).units")
            try Check.atLeast(layers, 1, "\(key).layers")
        case let .gpt(layers, heads, dim, block, vocab, dropout):
            try Check.atLeast(layers, 1, "\(key).layers")
            try Check.atLeast(heads, 1, "\(key).heads")
            try Check.atLeast(dim, 1, "\(key).dim")
            try Check.that(dim % heads == 0, "\(key).heads", heads, "a divisor of dim (\(dim)): each head takes dim / heads")
            try Check.atLeast(block, 1, "\(key).block")
            if let vocab { try Check.atLeast(vocab, 1, "\(key).vocab") }
            try Check.rate(dropout, "\(key).rate")
        case .flatten, .batchNorm, .layerNorm, .activation:
            break
        }
    }

    private static func validate(_ initializer: Initializer?, _ biasInit: Double?, key: String) throws {
        if let initializer {
            try Check.that(initializer.hasUsableParameter, "\(key).init", initializer,
                           "a finite number, ≥ 0 for normal's STD and uniform's LIMIT")
        }
        if let biasInit { try Check.within(biasInit, -1e9...1e9, "\(key).bias_init") }
    }
}
