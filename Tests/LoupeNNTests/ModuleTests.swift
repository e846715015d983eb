import LoupeCore
import Testing
@testable import LoupeNN

@Suite("Modules")
struct ModuleTests {
    final class Block: Module {
        let fc1: Linear, fc2: Linear
        let norm = LayerNorm(4)
        init(using rng: inout RandomGenerator) throws {
            fc1 = try Linear(4, 8, using: &rng)
            fc2 = try Linear(8, 4, using: &rng)
        }
        override func forward(_ x: Tensor) throws -> Tensor { try norm(fc2(fc1(x).relu())) }
    }

    final class Net: Module {
        let blocks: [Block]
        let head: Linear
        let dropout: Dropout
        init(seed: UInt64 = 1) throws {
            var rng = RandomGenerator(seed: seed)
            blocks = try [Block(using: &rng), Block(using: &rng)]
            head = try Linear(4, 3, using: &rng)
            dropout = try Dropout(0.5)
        }
        override func forward(_ x: Tensor) throws -> Tensor {
            var h = x
            for b in blocks { h = try b(h) }
            return try head(dropout(h))
        }
    }

    @Test("parameters are found with dotted names, in declaration order")
    func namedParameters() throws {
        let net = try Net()
        let names = net.namedParameters().map(\.name)
        #expect(names.prefix(6) == ["blocks.0.fc1.weight", "blocks.0.fc1.bias", "blocks.0.fc2.weight", "blocks.0.fc2.bias",
                                    "blocks.0.norm.weight", "blocks.0.norm.bias"])
        #expect(names.last == "head.bias")
        #expect(net.parameterCount == 2 * (4 * 8 + 8 + 8 * 4 + 4 + 8) + 4 * 3 + 3)
    }

    @Test("ops inside a module record its full path; hooks can watch one module")
    func paths() throws {
        defer { Hooks.removeAll() }
        let net = try Net()
        var seen: [String] = []
        Hooks.addForwardHook(scope: .module("blocks.1.fc2")) { seen.append("\($0.op)@\($0.modulePath!)") }
        let y = try net(Tensor.ones([2, 4]))
        #expect(seen == ["permute@blocks.1.fc2", "matmul@blocks.1.fc2", "add@blocks.1.fc2"])
        #expect(y.gradFn?.modulePath == "head")
    }

    @Test("train and eval mode reach every submodule; dropout is the identity in eval")
    func modes() throws {
        let net = try Net()
        net.eval()
        #expect(net.namedModules().allSatisfy { !$0.module.isTraining })
        let x = Tensor.ones([3, 4])
        #expect(try net(x).floats() == net(x).floats())
        net.train()
        #expect(net.dropout.isTraining)
    }

    @Test("state dicts round-trip; a mismatched one is refused by name")
    func stateDict() throws {
        let a = try Net(), b = try Net()
        var rng = RandomGenerator(seed: 9)
        try b.head.weight.value.assign(try Tensor.normal([3, 4], using: &rng))
        try a.load(stateDict: b.stateDict())
        a.eval(); b.eval()
        #expect(try a(Tensor.ones([1, 4])).floats() == b(Tensor.ones([1, 4])).floats())
        var bad = b.stateDict()
        bad["head.weight"] = Tensor.zeros([2, 2])
        #expect(throws: TensorError.self) { try a.load(stateDict: bad) }
        bad = b.stateDict()
        bad.removeValue(forKey: "blocks.0.fc1.bias")
        do {
            try a.load(stateDict: bad)
            Issue.record("a missing tensor must be refused")
        } catch let e as TensorError {
            #expect(e.description.contains("blocks.0.fc1.bias"))
        }
    }

    @Test("summary lists each layer with its output shape and parameters")
    func summary() throws {
        var rng = RandomGenerator(seed: 2)
        let model = Sequential([try Linear(4, 8, using: &rng), Activation(.relu), try Linear(8, 2, using: &rng)])
        let text = try model.summary(input: Tensor.ones([5, 4]))
        #expect(text.contains("layers.0 (Linear)") && text.contains("[5, 8]") && text.contains("40"))
        #expect(text.contains("Total parameters: 58"))
    }

    @Test("an embedding takes int64 ids, or whole-number floats from a CSV")
    func embeddingIds() throws {
        var rng = RandomGenerator(seed: 5)
        let e = try Embedding(10, 3, using: &rng)
        #expect(try e(Tensor([2, 7], shape: [2])).floats() == e(Tensor(indices: [2, 7])).floats())
        #expect(throws: TensorError.self) { try e(Tensor(indices: [10])) }
    }

    @Test("a GPT with the reference shape has the reference parameter count, and generates")
    func gpt() throws {
        var rng = RandomGenerator(seed: 3)
        let model = try GPT(GPTConfig(vocabulary: 65, blockSize: 128, layers: 4, heads: 4, dim: 128), using: &rng)
        #expect(model.parameterCount == 818_048)
        let tokens = try model.generate(prompt: [1, 2, 3], count: 5, using: &rng)
        #expect(tokens.count == 5 && tokens.allSatisfy { (0..<65).contains($0) })
    }

    @Test("layer gradients pass finite-difference checks (float64)", arguments: ["layernorm", "rmsnorm", "lstm", "gru", "attention", "batchnorm"])
    func layerGradcheck(name: String) throws {
        var rng = RandomGenerator(seed: 4)
        let module: Module
        let inputShape: [Int]
        switch name {
        case "layernorm": (module, inputShape) = (LayerNorm(5), [3, 5])
        case "rmsnorm": (module, inputShape) = (RMSNorm(5), [3, 5])
        case "lstm": (module, inputShape) = (try Recurrent(.lstm, inputSize: 3, hiddenSize: 4, using: &rng), [2, 3, 3])
        case "gru": (module, inputShape) = (try Recurrent(.gru, inputSize: 3, hiddenSize: 4, using: &rng), [2, 3, 3])
        case "attention": (module, inputShape) = (try MultiHeadAttention(dim: 4, heads: 2, using: &rng), [1, 3, 4])
        default: (module, inputShape) = (BatchNorm(3), [4, 3])
        }
        try module.to(.float64)
        let params = module.namedParameters().map(\.parameter)
        let inputs = [try Tensor.normal(inputShape, dtype: .float64, using: &rng)] + params.map(\.value)
        let result = try gradcheck({ xs in
            for (p, v) in zip(params, xs.dropFirst()) { p.value = v }
            return try module(xs[0])
        }, inputs: inputs)
        #expect(result.passed, "\(name): \(result)")
    }
}
