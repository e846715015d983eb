import Foundation
import LoupeFuzz
import LoupeTrain
import LoupeTestSupport
import Testing

/// Replays every seed and every input a fuzzer ever crashed on (Fuzz/Corpus/<harness>/ and
/// Fuzz/Regressions/<harness>/) through the same entry point the libFuzzer binary calls: each must
/// be accepted or rejected with an error, never crash or break a property.
struct FuzzReplayTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ harness: FuzzHarness, in folder: String) -> [URL] {
        let dir = fuzzDirectory.appendingPathComponent(folder).appendingPathComponent(harness.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzHarness.allCases)
    func replaysSeedsAndRegressions(harness: FuzzHarness) throws {
        if let reason = harness.unavailableReason {
            print("\(harness.rawValue): skipped: \(reason)")
            return
        }
        let seeds = Self.inputs(harness, in: "Corpus")
        #expect(!seeds.isEmpty, "Fuzz/Corpus/\(harness.rawValue) has no seeds")
        for url in seeds + Self.inputs(harness, in: "Regressions") {
            do {
                try harness.run(Array(try Data(contentsOf: url)))
            } catch let violation as FuzzPropertyViolation {
                Issue.record("\(url.lastPathComponent): \(violation)")
            } catch {}
        }
    }

    @Test func harnessExample() throws {
        let data = try Data(contentsOf: Self.inputs(.gguf, in: "Corpus")[0])
        // example: FuzzHarness
        try FuzzHarness.gguf.run(Array(data))   // returns, or throws the parser's error: never crashes
        // end example
        #expect(throws: (any Error).self) { try FuzzHarness.gguf.run(Array("not a gguf".utf8)) }
        #expect(try docExampleMismatch(0, in: "Sources/LoupeFuzz/FuzzHarness.swift", markedAs: "FuzzHarness", in: #filePath) == nil)
    }

    /// Every example run file is valid; its model is built unless it is larger than the harness
    /// allows (64 MB of training memory, so that one run stays fast under the sanitizer).
    @Test func runFileSeedsAreAccepted() throws {
        var built = 0
        for url in Self.inputs(.runFile, in: "Corpus") {
            do {
                try FuzzHarness.runFile.run(Array(try Data(contentsOf: url)))
                built += 1
            } catch RunConfigError.tooLarge {
                continue
            } catch {
                Issue.record("\(url.lastPathComponent): \(error)")
            }
        }
        #expect(built >= 60)
    }
}
