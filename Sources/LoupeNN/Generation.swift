import LoupeCore

extension GPT {
    /// Continues `prompt` (token ids) by `count` tokens, sampling each from the softmax of the last
    /// position's logits divided by `temperature`, restricted to the `topK` most likely tokens.
    public func generate(prompt: [Int], count: Int, temperature: Double = 1, topK: Int? = nil,
                         using rng: inout RandomGenerator) throws -> [Int] {
        guard temperature > 0 else {
            throw TensorError.invalidArgument(op: "generate", reason: "temperature must be > 0, got \(temperature)")
        }
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        var tokens = prompt.isEmpty ? [0] : prompt
        try GradMode.withoutGrad {
            for _ in 0..<count {
                let context = Array(tokens.suffix(config.blockSize))
                let logits = try self(Tensor(indices: context, shape: [1, context.count]))
                let last = try logits.slice(axis: 1, context.count - 1, context.count).reshaped([config.vocabulary]).doubles()
                var scaled = last.map { $0 / temperature }
                if let k = topK, k < scaled.count {
                    let threshold = scaled.sorted(by: >)[max(k - 1, 0)]
                    scaled = scaled.map { $0 < threshold ? -.infinity : $0 }
                }
                let m = scaled.max() ?? 0
                let weights = scaled.map { Foundation.exp($0 - m) }
                var u = rng.nextDouble() * weights.reduce(0, +)
                var choice = weights.count - 1
                for (i, w) in weights.enumerated() {
                    u -= w
                    if u < 0 { choice = i; break }
                }
                tokens.append(choice)
            }
        }
        return Array(tokens.suffix(count))
    }
}

import Foundation
