import LoupeCore
import Testing
@testable import LoupeData

/// Seeded mutation fuzzing of every reader: flipped, cut and inserted bytes must give a dataset or a
/// DataError, never a crash, a hang or another error type.
@Suite("Reader fuzzing")
struct FuzzTests {
    /// `count` mutants of `seed`, each with a few random byte edits.
    func mutants(of seed: [UInt8], count: Int, generatorSeed: UInt64) -> [[UInt8]] {
        var g = RandomGenerator(seed: generatorSeed)
        return (0..<count).map { _ in
            var bytes = seed
            for _ in 0..<(1 + g.nextInt(below: 4)) {
                switch g.nextInt(below: 3) {
                case 0 where !bytes.isEmpty: bytes[g.nextInt(below: bytes.count)] = UInt8(g.nextInt(below: 256))
                case 1 where !bytes.isEmpty: bytes.removeLast(g.nextInt(below: bytes.count) + 1)
                default: bytes.insert(UInt8(g.nextInt(below: 256)), at: g.nextInt(below: bytes.count + 1))
                }
            }
            return bytes
        }
    }

    /// Runs `parse` on every mutant; only DataError may escape.
    func survive(_ seed: [UInt8], _ parse: ([UInt8]) throws -> Void) {
        for bytes in mutants(of: seed, count: 300, generatorSeed: UInt64(seed.count)) {
            do { try parse(bytes) } catch is DataError {} catch { Issue.record("unexpected error \(error) for \(bytes.prefix(32))") }
        }
    }

    @Test("IDX") func idx() {
        survive(idxBytes([3, 2, 2], Array(0..<12))) { _ = try IDXReader.parse($0, file: "fuzz") }
    }

    @Test("gzip") func gzip() throws {
        survive(try FileBytes.read(fixture("mnist/train-labels-idx1-ubyte.gz"))) { _ = try Gzip.decompress($0, file: "fuzz") }
    }

    @Test("CSV") func csv() {
        survive(Array("a,b,label\n1.5,2,0\n-3e2,4,1\n".utf8)) { _ = try CSVReader().parse($0, file: "fuzz") }
    }

    @Test("CIFAR-10") func cifar() {
        let record = [UInt8(4)] + [UInt8](repeating: 9, count: 3072)
        survive(record + record) { _ = try CIFAR10.parseBatch($0, file: "fuzz") }
    }
}
