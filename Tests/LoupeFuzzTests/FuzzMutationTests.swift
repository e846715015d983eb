import Foundation
import LoupeCore
import LoupeFuzz
import Testing

/// `make test`'s short fuzz pass, inside `swift test`: every harness gets a few thousand inputs
/// mutated from its seeds (bits flipped, bytes set to edge values, ranges deleted, duplicated or
/// spliced from another seed, truncated) by a seeded generator, within a time budget. Each must be
/// accepted or rejected with an error — a crash fails the run, a broken property is recorded with
/// the input written to a file to replay. The long, coverage-guided runs under AddressSanitizer are
/// `make fuzz` (scripts/fuzz.sh).
struct FuzzMutationTests {
    /// Per harness, in seconds.
    static let budget = 1.5

    @Test(arguments: FuzzHarness.allCases)
    func mutatedSeedsNeverCrashOrBreakAProperty(harness: FuzzHarness) throws {
        if harness.unavailableReason != nil { return }
        let seeds = try FuzzReplayTests.inputs(harness, in: "Corpus").map { Array(try Data(contentsOf: $0)) }
        try #require(!seeds.isEmpty)
        var rng = RandomGenerator(seed: 0x10_0BE ^ UInt64(harness.rawValue.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xFFFF))
        let start = ContinuousClock.now
        var runs = 0
        while ContinuousClock.now - start < .seconds(Self.budget) {
            let input = Self.mutate(seeds[Int(rng.next() % UInt64(seeds.count))], splice: seeds[Int(rng.next() % UInt64(seeds.count))],
                                    maxLength: harness.maxLength, rng: &rng)
            do {
                try harness.run(input)
            } catch let violation as FuzzPropertyViolation {
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-fuzz-\(harness.rawValue)-\(runs)")
                try? Data(input).write(to: file)
                Issue.record("\(harness.rawValue): \(violation) (input saved to \(file.path))")
                return
            } catch {}
            runs += 1
        }
        #expect(runs > 0)
    }

    /// One to four of libFuzzer's basic mutations.
    static func mutate(_ seed: [UInt8], splice other: [UInt8], maxLength: Int, rng: inout RandomGenerator) -> [UInt8] {
        var bytes = seed
        func index(_ n: Int) -> Int { n == 0 ? 0 : Int(rng.next() % UInt64(n)) }
        for _ in 0...index(4) {
            switch rng.next() % 7 {
            case 0 where !bytes.isEmpty:
                let i = index(bytes.count)
                bytes[i] ^= UInt8(1 << index(8))
            case 1 where !bytes.isEmpty:
                bytes[index(bytes.count)] = [0, 0xFF, 0x7F, 0x80, 0x01, 0x20, 0x22, 0x7B][index(8)]
            case 2 where !bytes.isEmpty:
                let i = index(bytes.count), n = 1 + index(min(16, bytes.count - i))
                bytes.removeSubrange(i..<(i + n))
            case 3 where !bytes.isEmpty:
                let i = index(bytes.count), n = 1 + index(min(32, bytes.count - i))
                bytes.insert(contentsOf: bytes[i..<(i + n)], at: index(bytes.count + 1))
            case 4 where !other.isEmpty:
                let i = index(other.count), n = 1 + index(min(64, other.count - i))
                bytes.insert(contentsOf: other[i..<(i + n)], at: index(bytes.count + 1))
            case 5 where !bytes.isEmpty:
                bytes.removeLast(index(bytes.count))
            default:
                bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: index(bytes.count + 1))
            }
        }
        return Array(bytes.prefix(maxLength))
    }
}
