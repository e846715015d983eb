import Foundation
import LoupeTestSupport
import LoupeTrain
import Testing
@testable import LoupeDebug

/// `--fix`: the actions change what they say, and on real faulty runs the repaired run is healthy.
struct FixTests {
    static func suiteConfig(_ name: String) throws -> RunConfig {
        try RunConfig(contentsOf: repositoryRoot.appendingPathComponent("examples/faults/\(name).toml"))
    }

    @Test func actionsEditTheRunFile() throws {
        let config = try Self.suiteConfig("dead-relu-mlp-bias")
        let reset = try #require(Fixer.apply(.defaultInitialization, to: config))
        #expect(reset.model.layers.allSatisfy { $0.biasInit == nil && $0.initializer == nil })
        #expect(Fixer.apply(.defaultInitialization, to: reset) == nil, "a fix that changes nothing is not offered")
        #expect(Fixer.apply(.scaleLearningRate(0.1), to: config)?.train.lr == config.train.lr * 0.1)
        let leaky = try #require(Fixer.apply(.replaceActivation(from: [.relu], to: .leakyRelu), to: config))
        #expect(leaky.model.layers.dropLast().allSatisfy { $0.activation == .leakyRelu })
        let normed = try #require(Fixer.apply(.addBatchNorm, to: config))
        #expect(normed.model.layers.map(\.type) == ["linear", "batchnorm", "activation", "linear", "batchnorm", "activation", "linear"])
        let softmax = try Self.suiteConfig("double-softmax-mlp")
        #expect(Fixer.apply(.removeOutputSoftmax, to: softmax)?.model.layers.last?.activation == nil)
        #expect(Fixer.apply(.shuffle, to: try Self.suiteConfig("unshuffled-mlp"))?.data.shuffle == true)
    }

    @Test(arguments: ["lr-too-high-mlp-sgd", "double-softmax-mlp", "unshuffled-mlp", "label-noise-mlp"])
    func repairsTheRun(name: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runFile = dir.appendingPathComponent("\(name).toml")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("examples/faults/\(name).toml"), to: runFile)
        var options = DebugSession.Options()
        options.runsDirectory = dir.appendingPathComponent("runs")
        options.writeHTML = false
        let config = try RunConfig(contentsOf: runFile)
        let report = try onLargeStack { try DebugSession(options: options).fix(config, runFile: runFile.path) }
        let last = try #require(report.fixAttempts.last)
        #expect(last.cured, "\(name): \(report.fixAttempts.map { "\($0.fix.description) → \($0.findingsAfter.first?.kind.rawValue ?? "?")" })")
        let repaired = try #require(report.repairedRunFile)
        #expect(repaired == dir.appendingPathComponent("\(name).fixed.toml").path)
        let fixed = try RunConfig(contentsOf: URL(fileURLWithPath: repaired))
        #expect(fixed.run.name == "\(name)-fixed")
        #expect(fixed.model != config.model || fixed.train != config.train || fixed.data != config.data, "the repair changes the run")
        let original = try RunConfig(contentsOf: runFile)
        #expect(original == config, "the original run file is untouched")
    }
}
