import Foundation
import LoupeCompress
import LoupeCore
import LoupeEval
import LoupeNN
import LoupeSafeTensors
import LoupeTestSupport
import LoupeTrain
import Testing

/// `loupe compress` and what it stands on: plans, structured pruning, int8 accuracy, magnitude
/// pruning's schedule, distillation's effect, and a whole compression of a trained run.
struct CompressionTests {
    static func example(_ name: String, seed: UInt64 = 1, _ change: (inout RunConfig) -> Void = { _ in }) throws -> RunConfig {
        var config = try RunConfig(contentsOf: repositoryRoot.appendingPathComponent("examples/\(name).toml"))
        config.run.seed = seed
        change(&config)
        return config
    }

    static func train(_ config: RunConfig, in dir: URL) throws -> (TrainingRun, TrainingRun.Result) {
        let run = try TrainingRun(config: config, runsDirectory: dir)
        return (run, try run.execute(progress: false))
    }

    @Test func plansParseAndBadOnesAreNamed() throws {
        let plan = try CompressionPlan("int8, prune:0.5,prune-channels:0.3+int8,distill:student.toml,int8-static")
        #expect(plan.variants.map(\.description) == ["int8", "prune:0.5", "prune-channels:0.3+int8", "distill:student.toml", "int8-static"])
        #expect(plan.variants[2].slug == "channels30-int8")
        for (bad, says) in [("quantize", "unknown method 'quantize'"), ("prune:1", "[0, 1)"), ("prune:-0.1", "[0, 1)"), ("prune", "needs a sparsity"),
                            ("int8+prune:0.5", "must come last"), ("int8,,prune:0.5", "empty variant"), ("int8,int8", "appears twice"),
                            ("distill:", "student run file"), ("int8:3", "takes no value")] {
            do {
                _ = try CompressionPlan(bad)
                Issue.record("\(bad) should be refused")
            } catch {
                #expect("\(error)".contains(says), "\(bad): \(error)")
            }
        }
    }

    @Test func channelPruningMakesASmallerModelThatComputesTheSame() throws {
        var config = RunConfig()
        config.model.input = [1, 8, 8]
        config.model.layers = [.conv2d(filters: 8, kernel: 3, padding: 1, activation: .relu), .batchNorm, .maxPool2d(size: 2), .flatten,
                               .linear(units: 8, activation: .relu), .linear(units: 10)]
        let model = try ModelBuilder.build(config.model, sampleShape: [64], outputs: 10, seed: 3)
        // Modules: 0 reshape, 1 conv, 2 relu, 3 batch norm, 4 pool, 5 flatten, 6 linear, 7 relu, 8 linear.
        // Channels 1, 4, 6 and units 0, 5, 7 dead: their weights, biases (and batch-norm shift) zero.
        var state = model.stateDict()
        func zero(_ name: String, rows: [Int]) {
            let t = state[name]!, per = t.count / t.shape[0]
            var v = t.floats()
            for r in rows { for j in 0..<per { v[r * per + j] = 0 } }
            state[name] = Tensor(v, shape: t.shape)
        }
        zero("layers.1.weight", rows: [1, 4, 6]); zero("layers.1.bias", rows: [1, 4, 6]); zero("layers.3.bias", rows: [1, 4, 6])
        zero("layers.6.weight", rows: [0, 5, 7]); zero("layers.6.bias", rows: [0, 5, 7])
        try model.load(stateDict: state)
        model.eval()
        var rng = RandomGenerator(seed: 4)
        let x = try Tensor.normal([5, 64], using: &rng)
        let before = try GradMode.withoutGrad { try model(x) }.floats()

        let result = try ChannelPruning.prune(model, spec: config.model, sample: x, fraction: 0.375)
        #expect(result.model.layers[0] == .conv2d(filters: 5, kernel: 3, padding: 1, activation: .relu))
        #expect(result.model.layers[4] == .linear(units: 5, activation: .relu))
        #expect(result.changes.map(\.after) == [5, 5])
        let smaller = try ModelBuilder.build(result.model, sampleShape: [64], outputs: 10, seed: 9)
        try smaller.load(stateDict: result.state)
        smaller.eval()
        #expect(smaller.parameterCount < model.parameterCount)
        let after = try GradMode.withoutGrad { try smaller(x) }.floats()
        for (a, b) in zip(after, before) { #expect(abs(a - b) <= 1e-5 * max(1, abs(b))) }
    }

    @Test func forwardCostCountsTheInt8Layers() throws {
        var rng = RandomGenerator(seed: 8)
        let model = Sequential([try Conv2d(1, 4, kernel: 3, using: &rng), Flatten(), try Linear(4 * 6 * 6, 10, using: &rng)])
        let x = try Tensor.normal([2, 1, 8, 8], using: &rng)
        let float = try ForwardCost.measure { _ = try model(x) }
        let quantized = try Int8Conversion.quantize(model, activations: .dynamic)
        let int8 = try ForwardCost.measure { _ = try quantized(x) }
        #expect(int8.flops == float.flops && int8.flops == 2 * (2 * 4 * 36 * 9) + 2 * (2 * 144 * 10))
        #expect(int8.bytes < float.bytes)
    }

    @Test func magnitudePruningFollowsItsScheduleToTheTarget() throws {
        let dir = try temporaryDirectory()
        let (run, trained) = try Self.train(try Self.example("digits-mlp") { $0.train.epochs = 10 }, in: dir)
        let section = RunConfig.PruneSection(sparsity: 0.6)
        let pruning = MagnitudePruning(section, totalSteps: 100)
        #expect(pruning.target(atStep: 0) == 0)
        #expect(abs(pruning.target(atStep: 75) - 0.6) < 1e-12 && pruning.target(atStep: 100) == 0.6)
        #expect(pruning.target(atStep: 20) < pruning.target(atStep: 40))
        let fineTune = try Self.example("digits-mlp") {
            $0.run.name = "pruned"
            $0.model.initFrom = run.checkpointURL.path
            $0.train.epochs = 3
            $0.prune = section
        }
        let (_, result) = try Self.train(fineTune, in: dir)
        let sparsity = try MagnitudePruning.measuredSparsity(result.trainer.model)
        #expect(abs(sparsity - 0.6) < 0.005, "sparsity \(sparsity)")
        #expect(result.metrics["test"]!["accuracy"]! >= trained.metrics["test"]!["accuracy"]! - 0.05)
    }

    @Test func int8DigitsCNNIsWithinAPointOfFloat() throws {
        let dir = try temporaryDirectory()
        let (_, result) = try Self.train(try Self.example("digits-cnn"), in: dir)
        let test = result.data.splits.test
        let float = try result.trainer.evaluate(test)["accuracy"]!
        let quantized = try Int8Conversion.quantize(try #require(result.trainer.model as? Sequential), activations: .dynamic)
        let trainer = Trainer(model: quantized, optimizer: try SGD([], lr: 0.1), loss: .crossEntropy)
        let int8 = try trainer.evaluate(test)["accuracy"]!
        #expect(abs(int8 - float) <= 0.01, "float \(float), int8 \(int8)")
    }

    /// The student of examples/digits-student.toml, alone and distilled from the digits CNN with
    /// the same seed (the same split), over three seeds.
    @Test func distillationImprovesTheSmallStudent() throws {
        let dir = try temporaryDirectory()
        var alone: [Double] = [], distilled: [Double] = []
        for seed: UInt64 in 1...3 {
            let (teacher, _) = try Self.train(try Self.example("digits-cnn", seed: seed) { $0.run.name = "teacher\(seed)" }, in: dir)
            let student = try Self.example("digits-student", seed: seed) { $0.distill = nil }
            alone.append(try Self.train(student, in: dir).1.metrics["test"]!["accuracy"]!)
            let taught = try Self.example("digits-student", seed: seed) { $0.distill?.teacher = teacher.directory.path }
            distilled.append(try Self.train(taught, in: dir).1.metrics["test"]!["accuracy"]!)
        }
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
        #expect(mean(distilled) > mean(alone) + 0.005, "alone \(alone), distilled \(distilled)")
    }

    @Test func compressesARunIntoEvaluatedRuns() throws {
        let dir = try temporaryDirectory()
        let (run, _) = try Self.train(try Self.example("digits-mlp") { $0.train.epochs = 10 }, in: dir)
        var options = Compressor.Options()
        options.runsDirectory = dir
        options.measuresCost = false
        options.fineTuneEpochs = 2
        let report = try Compressor(options: options).compress(folder: run.directory, plan: try CompressionPlan("int8,prune:0.5"))
        #expect(report.results.map(\.label) == ["original", "int8", "prune:0.5"])
        let (original, int8, pruned) = (report.results[0], report.results[1], report.results[2])
        let size = { (r: CompressionReport.Result) in r.evaluation.figures["size_mb"]! }
        #expect(size(original) / size(int8) > 3.5, "\(size(original)) vs \(size(int8))")
        #expect(abs(int8.evaluation.figures["accuracy"]! - original.evaluation.figures["accuracy"]!) <= 0.02)
        #expect(abs(pruned.sparsity - 0.5) < 0.01)
        #expect(!pruned.findings.isEmpty, "the fine-tune ran under the monitor")
        // The int8 run stores its codes as bytes and loads anywhere a run does.
        let checkpoint = try SafeTensors.read(contentsOf: URL(fileURLWithPath: int8.folder).appendingPathComponent("checkpoints/best.safetensors"))
        // (digits are [8, 8]: layer 0 reshapes them to the MLP's [64].)
        #expect(checkpoint.entries.first { $0.name == "model.layers.1.weight" }?.dtype == .i8)
        var evaluator = RunEvaluator(folder: URL(fileURLWithPath: int8.folder))
        evaluator.measuresCost = false
        #expect(try evaluator.evaluate().figures["accuracy"] == int8.evaluation.figures["accuracy"])
        #expect(report.rows.count == 4)
        #expect(!CompressionPage(report).html.isEmpty)
    }

    @Test func aStudentOnOtherExamplesIsRefused() throws {
        let dir = try temporaryDirectory()
        let (run, _) = try Self.train(try Self.example("digits-mlp") { $0.train.epochs = 2 }, in: dir)
        let student = dir.appendingPathComponent("student.toml")
        var config = try Self.example("digits-student", seed: 7)
        config.distill = nil
        try config.tomlText.write(to: student, atomically: true, encoding: .utf8)
        var options = Compressor.Options()
        options.runsDirectory = dir
        options.measuresCost = false
        #expect(throws: CompressionError.self) {
            try Compressor(options: options).compress(folder: run.directory, plan: try CompressionPlan("distill:\(student.path)"))
        }
    }
}

struct CompressionDocExampleTests {
    @Test func planExample() throws {
        // example: CompressionPlan
        let plan = try CompressionPlan("int8,prune:0.5,prune-channels:0.3+int8,distill:student.toml")
        let count = plan.variants.count   // 4
        // end example
        #expect(count == 4)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCompress/CompressionPlan.swift", markedAs: "CompressionPlan", in: #filePath) == nil)
    }
}
