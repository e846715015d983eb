import LoupeCore
import Testing
@testable import LoupeData

@Suite("Corruption helpers")
struct CorruptionTests {
    @Test("label noise replaces the given fraction, reproducibly from the seed; inputs are untouched")
    func labelNoise() throws {
        let data = try rowDataset(labels: Array(repeating: 0, count: 1000))
        var g1 = RandomGenerator(seed: 5), g2 = RandomGenerator(seed: 5)
        let a = try data.withLabelNoise(fraction: 0.5, classes: 10, using: &g1)
        let b = try data.withLabelNoise(fraction: 0.5, classes: 10, using: &g2)
        let labels = try a.labels()
        #expect(labels == (try b.labels()))
        #expect(labels.allSatisfy { (0..<10).contains($0) })
        // 500 replaced, about 1/10 of them drawn as 0 again: about 450 changed.
        let changed = labels.filter { $0 != 0 }.count
        #expect((400...500).contains(changed))
        #expect(a.inputs === data.inputs)
        #expect(try data.withLabelNoise(fraction: 0, classes: 10, using: &g1).labels() == Array(repeating: 0, count: 1000))
        #expect(throws: DataError.self) { _ = try data.withLabelNoise(fraction: 1.5, classes: 10, using: &g1) }
    }

    @Test("limited keeps the first n samples, or all of them")
    func limited() throws {
        let data = try rowDataset(labels: [4, 5, 6])
        #expect(try data.limited(to: 2).labels() == [4, 5])
        #expect(try data.limited(to: 10).count == 3)
        #expect(throws: DataError.self) { _ = try data.limited(to: 0) }
    }

    @Test("scaled multiplies the inputs and keeps the targets")
    func scaled() throws {
        let data = try rowDataset(labels: [1, 2])
        let s = try data.scaled(by: 100)
        #expect(s.inputs.floats() == [0, 0, 100, 1000] && s.targets.ints() == [1, 2])
    }

    @Test("sortedByLabel orders samples by class and keeps the order within a class")
    func sorted() throws {
        let data = try rowDataset(labels: [2, 0, 1, 0, 2])
        let s = try data.sortedByLabel()
        #expect(try s.labels() == [0, 0, 1, 2, 2])
        #expect(s.inputs.floats().enumerated().filter { $0.offset % 2 == 0 }.map(\.element) == [1, 3, 2, 0, 4])
        let regression = try TensorDataset(inputs: Tensor.zeros([2, 1]), targets: Tensor.zeros([2, 1]))
        #expect(dataErrorMessage { _ = try regression.sortedByLabel() }.contains("expected int64 [N] class labels"))
    }
}
