import Foundation
import LoupeData
import Testing
@testable import LoupeTrain

/// A configuration built in code gets the parser's checks: it trains or throws a `RunConfigError`
/// naming the key; it never stops the process.
@Suite("Run configurations built in code")
struct RunConfigValidationTests {
    /// A valid two-layer classifier on digits, for each test to break one setting of.
    static func valid() -> RunConfig {
        var c = RunConfig()
        c.model.input = [64]
        c.model.layers = [.linear(units: 32, activation: .relu), .dropout(rate: 0.2), .linear(units: 10)]
        return c
    }

    /// The valid configuration with one setting broken by `edit`.
    static func breaking(_ edit: (inout RunConfig) -> Void) -> RunConfig {
        var c = valid()
        edit(&c)
        return c
    }

    @Test("the valid configuration passes, and every layer kind's example does")
    func validPasses() throws {
        try Self.valid().validate()
        var c = Self.valid()
        c.model.layers = LayerSpec.allKinds
        try c.validate()
    }

    @Test("each broken setting throws the error that names it", arguments: [
        (breaking { $0.model.layers = [] }, RunConfigError.missingKey(key: "model.layers")),
        (breaking { $0.model.layers[2] = .linear(units: 0) },
         .invalidValue(key: "model.layers[2].units", value: "0", allowed: "an integer ≥ 1")),
        (breaking { $0.model.layers[1] = .dropout(rate: 1.5) },
         .invalidValue(key: "model.layers[1].rate", value: "1.5", allowed: "a number in [0, 1)")),
        (breaking { $0.model.layers[0] = .conv2d(filters: 4, kernel: 3, stride: 0) },
         .invalidValue(key: "model.layers[0].stride", value: "0", allowed: "an integer ≥ 1")),
        (breaking { $0.model.layers[0] = .maxPool2d(size: 0) },
         .invalidValue(key: "model.layers[0].size", value: "0", allowed: "an integer ≥ 1")),
        (breaking { $0.model.layers[0] = .gpt(layers: 1, heads: 3, dim: 32, block: 16) },
         .invalidValue(key: "model.layers[0].heads", value: "3", allowed: "a divisor of dim (32): each head takes dim / heads")),
        (breaking { $0.model.layers[0] = .linear(units: 8, initializer: .normal(std: -1)) },
         .invalidValue(key: "model.layers[0].init", value: "{ normal = -1.0 }", allowed: "a finite number, ≥ 0 for normal's STD and uniform's LIMIT")),
        (breaking { $0.model.input = [0, 64] },
         .invalidValue(key: "model.input", value: "[0, 64]", allowed: "an array of positive integers, e.g. [64] or [1, 8, 8]")),
        (breaking { $0.run.name = "../elsewhere" },
         .invalidValue(key: "run.name", value: "\"../elsewhere\"", allowed: RunConfig.Run.nameRule)),
        // One path component that stays inside runs/: never "." or "..", nor hidden.
        (breaking { $0.run.name = ".." }, .invalidValue(key: "run.name", value: "\"..\"", allowed: RunConfig.Run.nameRule)),
        (breaking { $0.run.name = "." }, .invalidValue(key: "run.name", value: "\".\"", allowed: RunConfig.Run.nameRule)),
        (breaking { $0.run.name = ".hidden" }, .invalidValue(key: "run.name", value: "\".hidden\"", allowed: RunConfig.Run.nameRule)),
        (breaking { $0.run.name = String(repeating: "a", count: 101) },
         .invalidValue(key: "run.name", value: "\"\(String(repeating: "a", count: 101))\"", allowed: RunConfig.Run.nameRule)),
        (breaking { $0.run.seed = .max },
         .invalidValue(key: "run.seed", value: "18446744073709551615", allowed: "an integer in 0...9223372036854775807")),
        (breaking { $0.data.dataset = .csv(path: "") },
         .invalidValue(key: "data.dataset", value: "\"csv:\"", allowed: "a path (not empty, without NUL characters)")),
        (breaking { $0.data.split = [0.5, 0.5] },
         .invalidValue(key: "data.split", value: "[0.5, 0.5]", allowed: "three fractions ≥ 0 (train > 0) adding up to 1")),
        (breaking { $0.train.optimizer = .sgd(momentum: 2) },
         .invalidValue(key: "train.momentum", value: "2.0", allowed: "a number in [0.0, 1.0]")),
        (breaking { $0.train.schedule = .cosine(warmup: -5) },
         .invalidValue(key: "train.warmup", value: "-5", allowed: "an integer in [0, 1000000000000]")),
        // Counts far past any real run, which arithmetic on them would overflow.
        (breaking { $0.train.epochs = .max },
         .invalidValue(key: "train.epochs", value: "9223372036854775807", allowed: "an integer in [1, 1000000]")),
        (breaking { $0.train.batchSize = .max },
         .invalidValue(key: "train.batch_size", value: "9223372036854775807", allowed: "an integer in [1, 16777216]")),
        (breaking { $0.train.steps = .max },
         .invalidValue(key: "train.steps", value: "9223372036854775807", allowed: "an integer in [1, 1000000000000]")),
        (breaking { $0.data.blockSize = .max },
         .invalidValue(key: "data.block_size", value: "9223372036854775807", allowed: "an integer in [1, 1048576]")),
        (breaking { $0.train.lr = .nan }, .invalidValue(key: "train.lr", value: "nan", allowed: "a number in [0.0, 100.0]")),
        (breaking { $0.train.epochs = nil; $0.train.steps = nil }, .missingKey(key: "train.epochs")),
        (breaking { $0.train.epochs = 3; $0.train.steps = 100 },
         .invalidValue(key: "train.epochs", value: "3", allowed: "no epochs beside train.steps: set one of the two")),
    ] as [(RunConfig, RunConfigError)])
    func brokenSetting(c: RunConfig, expected: RunConfigError) throws {
        #expect(throws: expected) { try c.validate() }
        #expect(throws: expected) { try TrainingRun(config: c) }
    }

    @Test("ModelBuilder checks the section it is given before building anything")
    func builderValidates() throws {
        var spec = Self.valid().model
        spec.layers[2] = .linear(units: 0)
        #expect(throws: RunConfigError.invalidValue(key: "model.layers[2].units", value: "0", allowed: "an integer ≥ 1")) {
            try ModelBuilder.build(spec, sampleShape: [64], outputs: 10, seed: 1)
        }
    }

    @Test("a gpt without vocab needs data that gives one")
    func gptWithoutVocabulary() throws {
        var spec = RunConfig.ModelSection()
        spec.layers = [.gpt(layers: 1, heads: 2, dim: 16, block: 8)]
        #expect(throws: RunConfigError.missingKey(key: "model.layers[0].vocab")) {
            try ModelBuilder.build(spec, sampleShape: [8], outputs: nil, seed: 1)
        }
        let model = try ModelBuilder.build(spec, sampleShape: [8], outputs: 20, seed: 1)
        #expect(model.parameterCount > 0)
    }

    @Test("a kernel larger than the padded input is refused naming the kernel")
    func kernelLargerThanInput() throws {
        var spec = RunConfig.ModelSection()
        spec.input = [1, 8, 8]
        spec.layers = [.conv2d(filters: 4, kernel: 11, padding: 1), .flatten, .linear(units: 10)]
        #expect(throws: RunConfigError.invalidValue(key: "model.layers[0].kernel", value: "11", allowed: "a kernel no larger than the padded input [1, 8, 8]")) {
            try ModelBuilder.build(spec, sampleShape: [64], outputs: 10, seed: 1)
        }
    }
}
