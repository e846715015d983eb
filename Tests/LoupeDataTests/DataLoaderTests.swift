import Foundation
import LoupeCore
import Testing
@testable import LoupeData

@Suite("DataLoader")
struct DataLoaderTests {
    /// The index batches of the next `epochs` epochs.
    func orders(_ loader: inout DataLoader, epochs: Int) throws -> [[[Int]]] {
        try (0..<epochs).map { _ in
            var epoch = loader.makeEpoch()
            var batches = [[Int]]()
            while let batch = try epoch.next() { batches.append(batch.indices) }
            return batches
        }
    }

    @Test("without shuffling, batches follow the dataset order and the last one is short")
    func sequential() throws {
        var loader = try DataLoader(dataset: rowDataset(labels: Array(0..<7)), batchSize: 3, shuffle: false)
        var epoch = loader.makeEpoch()
        #expect(epoch.count == 3 && loader.batchesPerEpoch == 3)
        let first = try #require(try epoch.next())
        #expect(first.indices == [0, 1, 2] && first.inputs.shape == [3, 2] && first.targets.ints() == [0, 1, 2])
        #expect(try epoch.next()?.indices == [3, 4, 5])
        #expect(try epoch.next()?.indices == [6])
        #expect(try epoch.next() == nil)
    }

    @Test("dropLast leaves out the short batch")
    func dropLast() throws {
        var loader = try DataLoader(dataset: rowDataset(labels: Array(0..<7)), batchSize: 3, shuffle: true, dropLast: true, seed: 4)
        let batches = try orders(&loader, epochs: 1)[0]
        #expect(batches.count == 2 && batches.allSatisfy { $0.count == 3 })
        #expect(loader.batchesPerEpoch == 2)
    }

    @Test("the same seed gives the same batches; each epoch is a new permutation of every sample")
    func seeded() throws {
        let data = try rowDataset(labels: Array(0..<10))
        var a = try DataLoader(dataset: data, batchSize: 4, seed: 42)
        var b = try DataLoader(dataset: data, batchSize: 4, seed: 42)
        var c = try DataLoader(dataset: data, batchSize: 4, seed: 43)
        let epochsA = try orders(&a, epochs: 3)
        #expect(epochsA == (try orders(&b, epochs: 3)))
        #expect(epochsA != (try orders(&c, epochs: 3)))
        #expect(epochsA[0] != epochsA[1])
        for epoch in epochsA { #expect(epoch.flatMap { $0 }.sorted() == Array(0..<10)) }
    }

    @Test("a loader restored from a saved state (through JSON) continues with the same epochs")
    func resume() throws {
        let data = try rowDataset(labels: Array(0..<9))
        var original = try DataLoader(dataset: data, batchSize: 2, seed: 7)
        _ = try orders(&original, epochs: 2)
        let saved = try JSONEncoder().encode(original.state)
        let expected = try orders(&original, epochs: 2)

        let state = try JSONDecoder().decode(DataLoader.State.self, from: saved)
        #expect(state.epoch == 2)
        var resumed = try DataLoader(dataset: data, batchSize: 2, state: state)
        #expect(try orders(&resumed, epochs: 2) == expected)
        #expect(resumed.state == original.state)
    }

    @Test("mid-epoch resume: the same epoch with its position advanced gives the remaining batches")
    func midEpoch() throws {
        let data = try rowDataset(labels: Array(0..<9))
        var loader = try DataLoader(dataset: data, batchSize: 2, seed: 3)
        let before = loader.state
        var epoch = loader.makeEpoch()
        _ = try epoch.next()
        let rest = try (1..<epoch.count).map { _ in try epoch.next()!.indices }
        var again = try DataLoader(dataset: data, batchSize: 2, state: before)
        var replay = again.makeEpoch()
        replay.position = 1
        #expect(try (1..<replay.count).map { _ in try replay.next()!.indices } == rest)
    }

    @Test("a zero batch size or a malformed state is rejected")
    func invalid() throws {
        let data = try rowDataset(labels: [0, 1])
        #expect(dataErrorMessage { _ = try DataLoader(dataset: data, batchSize: 0) }.contains("batchSize is 0"))
        #expect(throws: DataError.self) { _ = try DataLoader(dataset: data, batchSize: 1, state: .init(epoch: 0, generator: [1, 2])) }
        #expect(throws: DataError.self) { _ = try DataLoader(dataset: data, batchSize: 1, state: .init(epoch: 0, generator: [0, 0, 0, 0])) }
    }
}
