import LoupeCore

/// Serves a dataset in mini-batches, one epoch at a time, in a reproducible order.
///
/// With `shuffle`, each epoch draws a fresh permutation from the loader's own seeded
/// ``RandomGenerator``, so the order depends only on the seed and the epoch number, never on other
/// random draws in the program. Save ``state`` in a checkpoint and pass it to
/// ``init(dataset:batchSize:shuffle:dropLast:state:)`` to get exactly the epochs that would have
/// followed.
///
/// ```swift
/// var loader = try DataLoader(dataset: train, batchSize: 32, shuffle: true, seed: 1)
/// for _ in 0..<epochs {
///     var epoch = loader.makeEpoch()
///     while let batch = try epoch.next() { try step(batch.inputs, batch.targets) }
/// }
/// ```
public struct DataLoader: Sendable {
    /// What a checkpoint needs to continue the same sequence of epochs.
    public struct State: Equatable, Codable, Sendable {
        /// Epochs started so far (the next ``makeEpoch()`` returns epoch number `epoch`, from 0).
        public var epoch: Int
        /// The loader generator's four xoshiro256** words.
        public var generator: [UInt64]

        public init(epoch: Int, generator: [UInt64]) {
            self.epoch = epoch
            self.generator = generator
        }
    }

    /// One mini-batch: inputs [B, ...], targets [B, ...] and the sample indices they came from.
    public struct Batch: Sendable {
        public let inputs: Tensor
        public let targets: Tensor
        public let indices: [Int]
    }

    /// One pass over the dataset. Call ``next()`` until it returns `nil`.
    public struct Epoch: Sendable {
        public let dataset: TensorDataset
        /// The epoch number (0 for the first).
        public let number: Int
        /// The sample indices of every batch, in order.
        public let batchIndices: [[Int]]
        /// Index of the next batch ``next()`` returns; set it to skip batches when resuming mid-epoch.
        public var position = 0

        /// Number of batches in the epoch.
        public var count: Int { batchIndices.count }

        /// The next batch, or `nil` at the end of the epoch.
        public mutating func next() throws -> Batch? {
            guard position < batchIndices.count else { return nil }
            let indices = batchIndices[position]
            position += 1
            let (x, y) = try dataset.batch(indices)
            return Batch(inputs: x, targets: y, indices: indices)
        }
    }

    public let dataset: TensorDataset
    public let batchSize: Int
    public let shuffle: Bool
    /// Whether a last batch smaller than `batchSize` is left out.
    public let dropLast: Bool
    private var generator: RandomGenerator
    private var epochsStarted: Int

    /// A loader starting at epoch 0 with a generator seeded by `seed`.
    public init(dataset: TensorDataset, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, seed: UInt64 = 0) throws {
        try self.init(dataset: dataset, batchSize: batchSize, shuffle: shuffle, dropLast: dropLast,
                      state: State(epoch: 0, generator: Self.words(RandomGenerator(seed: seed))))
    }

    /// A loader resuming from a saved ``state``.
    public init(dataset: TensorDataset, batchSize: Int, shuffle: Bool = true, dropLast: Bool = false, state: State) throws {
        guard batchSize > 0 else {
            throw DataError.invalidArgument(op: "DataLoader", reason: "batchSize is \(batchSize), expected at least 1")
        }
        guard state.generator.count == 4, state.epoch >= 0 else {
            throw DataError.invalidArgument(op: "DataLoader",
                                            reason: "state has epoch \(state.epoch) and \(state.generator.count) generator words, expected epoch ≥ 0 and 4 words")
        }
        // xoshiro256** never leaves the all-zero state: it would draw 0 forever (a shuffle waiting
        // for another value would never end).
        guard state.generator.contains(where: { $0 != 0 }) else {
            throw DataError.invalidArgument(op: "DataLoader", reason: "state's generator words are all 0, which no generator reaches")
        }
        self.dataset = dataset
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        let g = state.generator
        generator = RandomGenerator(state: (g[0], g[1], g[2], g[3]))
        epochsStarted = state.epoch
    }

    /// The state to save: restoring it reproduces every later epoch exactly.
    public var state: State { State(epoch: epochsStarted, generator: Self.words(generator)) }

    /// Batches per epoch.
    public var batchesPerEpoch: Int {
        dropLast ? dataset.count / batchSize : (dataset.count + batchSize - 1) / batchSize
    }

    /// Starts the next epoch: draws its order (when shuffling) and advances ``state``.
    public mutating func makeEpoch() -> Epoch {
        let order = shuffle ? generator.permutation(dataset.count) : Array(0..<dataset.count)
        var batches = [[Int]]()
        batches.reserveCapacity(batchesPerEpoch)
        var start = 0
        while start < order.count {
            let end = min(start + batchSize, order.count)
            if end - start < batchSize && dropLast { break }
            batches.append(Array(order[start..<end]))
            start = end
        }
        defer { epochsStarted += 1 }
        return Epoch(dataset: dataset, number: epochsStarted, batchIndices: batches)
    }

    private static func words(_ g: RandomGenerator) -> [UInt64] { [g.state.0, g.state.1, g.state.2, g.state.3] }
}
