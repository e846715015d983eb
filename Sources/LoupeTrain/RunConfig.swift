import Foundation
import LoupeCore

/// A training run, as described by a TOML run file (`loupe train RUN.toml`). See
/// `examples/*.toml` and docs/RUNFILES.md for every key; defaults are PyTorch's/Keras's usual ones.
public struct RunConfig: Codable, Equatable, Sendable {
    public struct Run: Codable, Equatable, Sendable {
        public var name = "run"
        public var seed: UInt64 = 1
    }

    public struct DataSection: Codable, Equatable, Sendable {
        /// digits | text | csv:PATH | mnist:DIR | cifar10:DIR | synthetic-classification | synthetic-regression
        public var dataset = "digits"
        public var split = [0.8, 0.1, 0.1]
        /// none | standard | minmax
        public var normalize = "standard"
        public var labelNoise = 0.0
        public var trainLimit = 0
        public var inputScale = 1.0
        public var blockSize = 128
        public var shuffle = true
        /// A JSON file listing training-split indices to leave out (e.g. the debugger's suspect labels).
        public var exclude: String?
    }

    /// One entry of `model.layers`; fields a layer type does not use stay nil.
    public struct Layer: Codable, Equatable, Sendable {
        public var type: String
        public var units: Int?
        public var activation: String?
        public var initializer: String?
        public var biasInit: Double?
        public var rate: Double?
        public var filters: Int?
        public var kernel: Int?
        public var stride: Int?
        public var padding: Int?
        public var size: Int?
        public var vocab: Int?
        public var dim: Int?
        public var layers: Int?
        public var heads: Int?
        public var block: Int?
        public var returnSequences: Bool?

        public init(type: String) { self.type = type }
    }

    public struct ModelSection: Codable, Equatable, Sendable {
        public var input: [Int] = []
        public var layers: [Layer] = []
    }

    public struct TrainSection: Codable, Equatable, Sendable {
        /// cross_entropy | mse | bce | l1 | huber
        public var loss = "cross_entropy"
        /// sgd | adam | adamw | rmsprop | adagrad
        public var optimizer = "sgd"
        public var lr = 0.01
        public var momentum = 0.0
        public var weightDecay = 0.0
        public var batchSize = 64
        public var epochs: Int? = 10
        public var steps: Int?
        public var gradClip = 0.0
        /// constant | step | exponential | cosine | plateau
        public var schedule = "constant"
        public var warmup = 0
        public var earlyStoppingPatience = 0
        public var evalEvery = 1
        public var labelSmoothing = 0.0
    }

    public var run = Run()
    public var data = DataSection()
    public var model = ModelSection()
    public var train = TrainSection()

    public init() {}
}
