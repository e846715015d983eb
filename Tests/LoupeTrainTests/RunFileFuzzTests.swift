import Foundation
import LoupeCore
import LoupeTestSupport
import Testing
@testable import LoupeTrain

/// The typed run file on hostile values: seeded mutations of every shipped file (one or two values
/// replaced by wrong types, out-of-range or non-finite numbers, huge integers, odd strings, empty
/// arrays and tables, dates) must either parse into a configuration that passes validation and
/// round-trips through the writer, or throw a `RunConfigError` — never trap, never any other error.
///
/// Byte-level syntax mutations are left to the libFuzzer harness of issue 14: the TOML library
/// (toml++ inside TOMLKit) asserts, aborting the process, on some malformed syntax, e.g. a line
/// `},` inside the `layers` array.
@Suite("Run-file fuzzing")
struct RunFileFuzzTests {
    static let replacements = [
        "0", "-1", "1e999", "nan", "-inf", "0.5", "3", #""""#, #""x\u0000y""#, "[]", "{}", "true",
        "99999999999999999999", "9223372036854775807", #""relu""#, #""sgd""#, #""csv:\t\n""#,
        #"[1, "a"]"#, "[0.5, 0.5]", #"{ type = "gpt" }"#, "{ normal = -1.0 }", "1970-01-01",
    ]

    /// One value after an `=` (a top-level key's, or one inside a layer's inline table) replaced.
    static func mutate(_ text: String, using rng: inout RandomGenerator) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let assignments = lines.indices.filter { lines[$0].contains(" = ") && !lines[$0].hasPrefix("#") }
        guard !assignments.isEmpty else { return text }
        let i = assignments[Int(rng.next() % UInt64(assignments.count))]
        var pieces = lines[i].components(separatedBy: " = ")
        let k = 1 + Int(rng.next() % UInt64(pieces.count - 1))
        // The value's own text ends at the next comma or closing brace (inline tables) or the line's end.
        let rest = pieces[k]
        let cut = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        pieces[k] = replacements[Int(rng.next() % UInt64(replacements.count))] + rest[cut...]
        lines[i] = pieces.joined(separator: " = ")
        return lines.joined(separator: "\n")
    }

    @Test func mutatedRunFilesParseOrFailCleanly() throws {
        var rng = RandomGenerator(seed: 12)
        let files = try RunConfigWriterTests.shippedRunFiles.map {
            try String(contentsOf: repositoryRoot.appendingPathComponent($0), encoding: .utf8)
        }
        var parsed = 0, refused = 0
        for round in 0..<3000 {
            var text = files[round % files.count]
            for _ in 0...(rng.next() % 2) { text = Self.mutate(text, using: &rng) }
            do {
                let config = try RunConfig(toml: text)
                try config.validate()
                let written = config.tomlText
                let again = try RunConfig(toml: written)
                #expect(again == config, "round \(round): the writer changed a parsed configuration")
                #expect(again.tomlText == written, "round \(round)")
                parsed += 1
            } catch is RunConfigError {
                refused += 1
            } catch {
                Issue.record("round \(round): \(type(of: error)) instead of a RunConfigError: \(error)\n\(text)")
            }
        }
        // Both outcomes happen, or the mutations test nothing.
        #expect(parsed > 100 && refused > 100, "parsed \(parsed), refused \(refused)")
    }
}
