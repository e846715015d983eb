import Foundation
import LoupeCore
import LoupeTestSupport
import Testing
@testable import LoupeNN

/// Every layer against PyTorch: same parameters in, same output, input gradient and parameter
/// gradients out (and BatchNorm's running statistics after the step).
@Suite("Golden: layers against PyTorch")
struct GoldenLayerTests {
    static let root = try! Fixture.load(Bundle.module.url(forResource: "golden_nn", withExtension: "json", subdirectory: "Fixtures")!)
    static let layers = root["layers"] as! [[String: Any]]
    static let names = layers.map { $0["name"] as! String }

    /// Builds the Loupe module for a fixture case (random weights, replaced from the fixture).
    static func make(_ name: String) throws -> Module {
        var rng = RandomGenerator(seed: 0)
        switch name {
        case "linear": return try Linear(5, 3, using: &rng)
        case "linear 3d input": return try Linear(4, 2, using: &rng)
        case "conv2d": return try Conv2d(2, 3, kernel: 3, padding: 1, using: &rng)
        case "layernorm", "layernorm affine": return LayerNorm(6)
        case "rmsnorm": return RMSNorm(6)
        case "batchnorm1d train", "batchnorm1d eval": return BatchNorm(4)
        case "batchnorm2d train": return BatchNorm(3)
        case "embedding": return try Embedding(7, 3, using: &rng)
        case "lstm 2 layers": return try Recurrent(.lstm, inputSize: 3, hiddenSize: 4, layers: 2, using: &rng)
        case "gru": return try Recurrent(.gru, inputSize: 3, hiddenSize: 4, using: &rng)
        case "rnn": return try Recurrent(.rnn, inputSize: 3, hiddenSize: 4, using: &rng)
        case "causal attention": return try MultiHeadAttention(dim: 8, heads: 2, using: &rng)
        case "gpt block": return try GPTBlock(dim: 8, heads: 2, using: &rng)
        default: throw TensorError.invalidArgument(op: name, reason: "no Loupe module for this fixture")
        }
    }

    /// PyTorch parameter names → Loupe's.
    static func loupeName(_ torch: String) -> String {
        var n = torch
        for (from, to) in [("running_mean", "runningMean"), ("running_var", "runningVar")] {
            n = n.replacingOccurrences(of: from, with: to)
        }
        // weight_ih_l0 → layers.0.weightIH
        let parts = n.split(separator: "_")
        if parts.count == 3, ["weight", "bias"].contains(parts[0]), ["ih", "hh"].contains(parts[1]), parts[2].hasPrefix("l") {
            n = "layers.\(parts[2].dropFirst()).\(parts[0])\(parts[1].uppercased())"
        }
        return n
    }

    @Test("layer output and gradients match PyTorch", arguments: names)
    func layer(name: String) throws {
        let entry = Self.layers.first { $0["name"] as! String == name }!
        let module = try Self.make(name)
        var state: [String: Tensor] = [:]
        for (k, v) in entry["state"] as! [String: Any] where k != "num_batches_tracked" {
            var key = Self.loupeName(k)
            if name == "gpt block" && (key.hasPrefix("fc.") || key.hasPrefix("proj.")) { key = "mlp." + key }
            state[key] = Fixture.tensor(v)
        }
        try module.load(stateDict: state)
        module.train(entry["train"] as! Bool)
        let x = Fixture.tensor(entry["input"])
        if x.dtype.isFloatingPoint { x.requiresGrad = true }
        let y = try module(x)
        expectClose(y, Fixture.tensor(entry["output"]), "\(name) output")
        try (y * Fixture.tensor(entry["upstream"])).sum().backward()
        if let g = entry["input_grad"], !(g is NSNull) {
            expectClose(try #require(x.grad), Fixture.tensor(g), "\(name) input gradient")
        }
        let params = Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0.name, $0.parameter) })
        for (k, v) in entry["param_grads"] as! [String: Any] {
            var key = Self.loupeName(k)
            if name == "gpt block" && (key.hasPrefix("fc.") || key.hasPrefix("proj.")) { key = "mlp." + key }
            let p = try #require(params[key], "\(name): no parameter \(key)")
            expectClose(try #require(p.grad, "\(name): \(key) got no gradient"), Fixture.tensor(v), "\(name) grad \(key)")
        }
        let after = module.stateDict()
        for (k, v) in entry["state_after"] as! [String: Any] where k.hasPrefix("running") {
            expectClose(after[Self.loupeName(k)]!, Fixture.tensor(v), "\(name) \(k) after the step")
        }
    }
}
