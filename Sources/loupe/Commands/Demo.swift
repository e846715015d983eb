import ArgumentParser
import Foundation
import LoupeCore
import LoupeReport

/// Trains a small MLP on three interleaved spirals with the engine, watching it through hooks.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a small network end to end and show what the engine's hooks see inside it.",
        discussion: """
            Three interleaved 2-D spirals (a classic non-linear problem) are classified by a \
            2→64→64→3 ReLU network trained with full-batch gradient descent and momentum. Forward \
            and backward hooks collect, per module path, the fraction of dead ReLU outputs and the \
            gradient norm: the raw material of Loupe's training debugger.

            Examples:
              loupe demo
              loupe demo --steps 400 --seed 7 --json
            """
    )

    @Option(help: "Training steps.") var steps = 300
    @Option(help: "Random seed for the data and the weights.") var seed: UInt64 = 1
    @Option(help: "Learning rate.") var lr = 0.3
    @Flag(help: "Print one JSON object with the results instead of text.") var json = false

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)   // progress lines appear as they happen, even in a pipe
        var rng = RandomGenerator(seed: seed)
        let (x, y) = try Spirals.make(pointsPerClass: 200, classes: 3, using: &rng)
        let model = try TinyMLP(sizes: [2, 64, 64, 3], using: &rng)

        // Per-module statistics gathered through hooks, the way the debugger will watch a run.
        var deadFraction: [String: Double] = [:], gradNorm: [String: Double] = [:]
        Hooks.addForwardHook { event in
            if event.op == "relu", let path = event.modulePath {
                deadFraction[path] = try event.output.eq(0).mean().item()
            }
        }
        Hooks.addBackwardHook { event in
            if event.op == "matmul", let path = event.modulePath, let g = event.gradInputs[1] {
                gradNorm[path] = try (g * g).sum().sqrt().item()
            }
        }
        defer { Hooks.removeAll() }

        let started = Date()
        let progress = TerminalProgress(label: "training")
        var losses: [Double] = []
        for step in 1...steps {
            let loss = try model.loss(x, y)
            try loss.backward()
            try model.step(lr: lr, momentum: 0.9)
            losses.append(try loss.item())
            progress.update(step, of: steps, detail: String(format: "loss %.4f", losses.last!))
            if !json && !Terminal.isTTY && (step % 50 == 0 || step == 1) {
                print(String(format: "step %4d  loss %.4f", step, losses.last!))
            }
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(started)
        let accuracy = try GradMode.withoutGrad {
            try model.forward(x).argmax(axis: 1).to(.float32).eq(y.to(.float32)).mean().item()
        }
        if json {
            let result: [String: Any] = ["steps": steps, "final_loss": losses.last!, "accuracy": accuracy,
                                         "seconds": seconds, "dead_relu_fraction": deadFraction, "grad_norm": gradNorm]
            let data = try LoupeJSON.data(result)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print(Terminal.bold("Spirals: 600 points, 3 classes, MLP 2→64→64→3 (\(model.parameterCount) parameters)"))
        print(String(format: "loss %.4f → %.4f in %d steps (%.2f s, %.2f ms/step)",
                     losses.first!, losses.last!, steps, seconds, seconds * 1000 / Double(steps)))
        let acc = String(format: "%.1f%%", accuracy * 100)
        print("training accuracy: " + (accuracy > 0.9 ? Terminal.green(acc) : Terminal.yellow(acc)))
        print(Terminal.bold("\nInside the last step (from hooks):"))
        print("module   dead ReLU   ‖∂loss/∂W‖")
        for path in ["fc1", "fc2", "fc3"] {
            let dead = deadFraction[path].map { String(format: "%8.1f%%", $0 * 100) } ?? "       —"
            print(String(format: "%@ %@   %10.4f", path.padding(toLength: 6, withPad: " ", startingAt: 0),
                         dead, gradNorm[path] ?? 0))
        }
    }
}

/// Three interleaved spirals in the plane, with class labels.
enum Spirals {
    static func make(pointsPerClass n: Int, classes: Int, using rng: inout RandomGenerator) throws -> (Tensor, Tensor) {
        var points: [Float] = [], labels: [Int] = []
        for c in 0..<classes {
            for i in 0..<n {
                let r = Double(i) / Double(n)
                let theta = Double(c) * 4 + r * 4 + rng.nextNormal() * 0.2
                points += [Float(r * sin(theta)), Float(r * cos(theta))]
                labels.append(c)
            }
        }
        return (Tensor(points, shape: [n * classes, 2]), Tensor(indices: labels))
    }
}

/// A plain multi-layer perceptron on raw engine tensors (layers arrive with the training toolkit).
final class TinyMLP {
    var weights: [Tensor] = [], biases: [Tensor] = []
    private var velocity: [Tensor] = []

    init(sizes: [Int], using rng: inout RandomGenerator) throws {
        for (fanIn, fanOut) in zip(sizes, sizes.dropFirst()) {
            let w = try Initializer.heNormal.make([fanOut, fanIn], using: &rng)
            w.requiresGrad = true
            let b = Tensor.zeros([fanOut])
            b.requiresGrad = true
            weights.append(w)
            biases.append(b)
        }
        velocity = (weights + biases).map { Tensor.zeros($0.shape) }
    }

    var parameterCount: Int { (weights + biases).map(\.count).reduce(0, +) }

    func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for i in weights.indices {
            h = try ModuleScope.with("fc\(i + 1)") {
                let z = try h.matmul(weights[i].transposed()) + biases[i]
                return i == weights.count - 1 ? z : try z.relu()
            }
        }
        return h
    }

    /// Mean cross-entropy of the logits against integer labels.
    func loss(_ x: Tensor, _ labels: Tensor) throws -> Tensor {
        let logp = try forward(x).logSoftmax(axis: 1)
        return try -logp.gather(axis: 1, index: labels.reshaped([-1, 1])).mean()
    }

    /// Heavy-ball momentum: v ← μv + g, w ← w − lr·v; then clears the gradients.
    func step(lr: Double, momentum: Double) throws {
        try GradMode.withoutGrad {
            for (p, v) in zip(weights + biases, velocity) {
                guard let g = p.grad else { continue }
                try v.assign(v * momentum)
                try v.addInPlace(g)
                try p.addInPlace(v, scaledBy: -lr)
                p.zeroGrad()
            }
        }
    }
}
