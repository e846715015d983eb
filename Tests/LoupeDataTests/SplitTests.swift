import LoupeCore
import Testing
@testable import LoupeData

@Suite("Splits")
struct SplitTests {
    @Test("0.8/0.1/0.1 of 1,797 gives 1,439/179/179, disjoint and covering every sample")
    func sizes() throws {
        let data = try rowDataset(labels: Array(repeating: 0, count: 1797))
        let splits = try DatasetSplits(splitting: data, fractions: [0.8, 0.1, 0.1], seed: 1)
        #expect([splits.train.count, splits.validation.count, splits.test.count] == [1439, 179, 179])
        // Input row i holds (i, 10i): recover which samples went where.
        let ids = [splits.train, splits.validation, splits.test].map { part in
            stride(from: 0, to: part.inputs.count, by: 2).map { Int(part.inputs.floats()[$0]) }
        }
        #expect(ids.flatMap { $0 }.sorted() == Array(0..<1797))
    }

    @Test("the same seed gives the same split, another seed another")
    func deterministic() throws {
        let data = try rowDataset(labels: Array(0..<50))
        let a = try split(data, fractions: [0.5, 0.5], seed: 9).map { try $0.labels() }
        let b = try split(data, fractions: [0.5, 0.5], seed: 9).map { try $0.labels() }
        let c = try split(data, fractions: [0.5, 0.5], seed: 10).map { try $0.labels() }
        #expect(a == b && a != c)
    }

    @Test("fractions below 1 leave the rest out; 0.29 of 100 is 29 despite float rounding")
    func partial() throws {
        let data = try rowDataset(labels: Array(0..<100))
        let parts = try split(data, fractions: [0.29, 0.5, 0], seed: 0)
        #expect(parts.map(\.count) == [29, 50, 0])
    }

    @Test("negative fractions and fractions above 1 in total are rejected")
    func invalid() throws {
        let data = try rowDataset(labels: Array(0..<10))
        #expect(dataErrorMessage { _ = try split(data, fractions: [0.8, 0.3], seed: 0) }.contains("add up to"))
        #expect(dataErrorMessage { _ = try split(data, fractions: [1.1, -0.1], seed: 0) }.contains("-0.1"))
        #expect(throws: DataError.self) { _ = try DatasetSplits(splitting: data, fractions: [0.5, 0.5], seed: 0) }
        _ = try split(data, fractions: [0.7, 0.2, 0.1 + 1e-10], seed: 0)
    }
}
