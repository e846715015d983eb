import Foundation
import LoupeCore
import Testing
@testable import LoupeSafeTensors

/// Deterministic fuzzing of the reader: thousands of damaged versions of a valid file, each of
/// which must either read or throw a ``SafeTensorsError``. A crash, a trap or a hang fails the run.
@Suite struct SafeTensorsFuzzTests {
    static let valid = [UInt8](Fixtures.data("read_dtypes.safetensors"))

    /// Reads `bytes`, returning whether it succeeded; any error other than SafeTensorsError is recorded.
    @discardableResult
    func survives(_ bytes: [UInt8], _ what: @autoclosure () -> String) -> Bool {
        do {
            _ = try SafeTensors.read(data: Data(bytes), source: "fuzz")
            return true
        } catch is SafeTensorsError {
            return false
        } catch {
            Issue.record("\(what()): unexpected error type \(type(of: error)): \(error)")
            return false
        }
    }

    @Test func everyTruncationIsRejected() {
        for length in 0..<Self.valid.count {
            #expect(!survives(Array(Self.valid.prefix(length)), "truncated to \(length)"), "truncated to \(length) bytes was accepted")
        }
        #expect(survives(Self.valid, "the intact file"))
    }

    @Test func randomByteMutationsNeverCrash() {
        var rng = RandomGenerator(seed: 0x5AFE_7E45)
        var accepted = 0
        for round in 0..<3000 {
            var bytes = Self.valid
            for _ in 0...rng.nextInt(below: 4) {
                let i = rng.nextInt(below: bytes.count)
                switch rng.nextInt(below: 3) {
                case 0: bytes[i] ^= UInt8(1) << UInt8(rng.nextInt(below: 8))
                case 1: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
                default: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
                }
            }
            if survives(bytes, "mutation round \(round)") { accepted += 1 }
        }
        // Flips inside tensor data leave a valid file; the header is most of the file, so most fail.
        #expect(accepted > 0 && accepted < 3000)
    }

    /// Changing digits keeps the JSON valid, so these reach the shape and offset checks.
    @Test func digitMutationsInTheHeaderNeverCrash() {
        var rng = RandomGenerator(seed: 42)
        let digits = Self.valid.indices.filter { $0 >= 8 && Self.valid[$0] >= 0x30 && Self.valid[$0] <= 0x39 }
        let replacements = Array("0123456789-.e".utf8) + [UInt8(ascii: "9"), UInt8(ascii: "9")]
        for round in 0..<1500 {
            var bytes = Self.valid
            for _ in 0...rng.nextInt(below: 2) {
                bytes[digits[rng.nextInt(below: digits.count)]] = replacements[rng.nextInt(below: replacements.count)]
            }
            survives(bytes, "digit round \(round)")
        }
    }

    /// Headers with extreme numbers, spliced into an otherwise valid file layout.
    @Test func extremeLengthPrefixesNeverCrash() {
        let body = Array(Self.valid.dropFirst(8))
        for n in [0, 1, 7, 8, UInt64(body.count), UInt64(body.count) + 1, 100_000_000, 100_000_001,
                  UInt64(Int.max), UInt64(Int.max) + 1, UInt64.max] {
            survives(withUnsafeBytes(of: n.littleEndian, Array.init) + body, "length prefix \(n)")
        }
    }
}
