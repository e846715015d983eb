import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeCore

/// Every op case from the PyTorch fixtures: the forward output and every input gradient must match.
@Suite("Golden: ops against PyTorch")
struct GoldenOpTests {
    static let names: [String] = Golden.cases.map { $0["name"] as! String }

    /// Runs the op named in a fixture on Loupe tensors.
    static func run(_ op: String, _ x: [Tensor], _ args: [String: Any]) throws -> Tensor {
        func int(_ k: String) -> Int { (args[k] as! NSNumber).intValue }
        func double(_ k: String) -> Double { (args[k] as! NSNumber).doubleValue }
        func axes() -> [Int]? { (args["axes"] as? [NSNumber])?.map(\.intValue) }
        func keep() -> Bool { args["keepdims"] as! Bool }
        switch op {
        case "add": return try x[0] + x[1]
        case "sub": return try x[0] - x[1]
        case "mul": return try x[0] * x[1]
        case "div": return try x[0] / x[1]
        case "neg": return try -x[0]
        case "exp": return try x[0].exp()
        case "log": return try x[0].log()
        case "sqrt": return try x[0].sqrt()
        case "rsqrt": return try x[0].rsqrt()
        case "abs": return try x[0].abs()
        case "pow_scalar": return try x[0].pow(double("exponent"))
        case "pow": return try x[0].pow(x[1])
        case "maximum": return try x[0].maximum(x[1])
        case "minimum": return try x[0].minimum(x[1])
        case "clamp": return try x[0].clamp(min: double("min"), max: double("max"))
        case "where": return try Tensor.where(x[0].gt(0), x[1], x[2])
        case "gt": return try x[0].gt(x[1])
        case "relu": return try x[0].relu()
        case "leaky_relu": return try x[0].leakyRelu(slope: double("slope"))
        case "gelu": return try x[0].gelu()
        case "gelu_tanh": return try x[0].gelu(.tanh)
        case "silu": return try x[0].silu()
        case "sigmoid": return try x[0].sigmoid()
        case "tanh": return try x[0].tanh()
        case "softmax": return try x[0].softmax(axis: int("axis"))
        case "log_softmax": return try x[0].logSoftmax(axis: int("axis"))
        case "sum": return try x[0].sum(axes: axes(), keepDims: keep())
        case "mean": return try x[0].mean(axes: axes(), keepDims: keep())
        case "max": return try x[0].max(axis: int("axis"), keepDims: keep()).values
        case "argmax": return try x[0].argmax(axis: int("axis"))
        case "var": return try x[0].variance(axes: axes(), keepDims: keep())
        case "std": return try x[0].std(axes: axes(), keepDims: keep())
        case "matmul": return try x[0].matmul(x[1])
        case "transpose_matmul": return try x[0].transposed().matmul(x[1])
        case "concat": return try Tensor.concat([x[0], x[1]], axis: int("axis"))
        case "stack": return try Tensor.stack([x[0], x[1]], axis: int("axis"))
        case "gather": return try x[0].gather(axis: int("axis"), index: x[1])
        case "index_select": return try x[0].indexSelect(axis: int("axis"), indices: x[1])
        case "embedding": return try x[0].embedding(x[1])
        case "one_hot": return try Tensor.oneHot(x[0], classes: int("classes"))
        case "conv2d": return try x[0].conv2d(weight: x[1], bias: x[2], stride: int("stride"), padding: int("padding"))
        case "max_pool2d": return try x[0].maxPool2d(kernel: int("kernel"), stride: int("stride"), padding: int("padding"))
        case "avg_pool2d": return try x[0].avgPool2d(kernel: int("kernel"), stride: int("stride"), padding: int("padding"))
        case "slice": return try x[0].slice(axis: int("axis"), int("start"), int("end"), step: int("step"))
        case "permute": return try x[0].permuted((args["dims"] as! [NSNumber]).map(\.intValue))
        case "expand": return try x[0].expanded(to: (args["shape"] as! [NSNumber]).map(\.intValue))
        default: throw TensorError.invalidArgument(op: op, reason: "no Swift mapping for fixture op")
        }
    }

    @Test("forward and gradients match PyTorch", arguments: names)
    func matchesPyTorch(name: String) throws {
        let entry = Golden.cases.first { $0["name"] as! String == name }!
        let op = entry["op"] as! String
        let inputs = (entry["inputs"] as! [Any]).map(Golden.tensor)
        let grads = entry["grads"] as? [Any]
        for (i, x) in inputs.enumerated() where x.dtype.isFloatingPoint {
            x.requiresGrad = grads.map { !($0[i] is NSNull) } ?? false
        }
        let out = try Self.run(op, inputs, entry["args"] as? [String: Any] ?? [:])
        expectClose(out.dtype == .int64 ? try out.to(.float32) : out,
                    Golden.tensor(entry["output"]).dtype == .int64 ? try Golden.tensor(entry["output"]).to(.float32)
                                                                   : Golden.tensor(entry["output"]),
                    "\(name) forward")
        guard let grads else { return }
        let upstream = Golden.tensor(entry["upstream"])
        try (out * upstream).sum().backward()
        for (i, g) in grads.enumerated() where !(g is NSNull) {
            let actual = try #require(inputs[i].grad, "\(name): input \(i) got no gradient")
            expectClose(actual, Golden.tensor(g), "\(name) gradient of input \(i)")
        }
    }
}
