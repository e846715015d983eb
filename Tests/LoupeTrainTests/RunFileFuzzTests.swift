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
/// And on hostile syntax: byte-level mutations (deletions, insertions of TOML's punctuation,
/// duplicated lines, truncations) must end in a configuration or a `RunConfigError` too. LoupeTOML
/// reads the bytes itself and never traps (the library it replaced, toml++, aborted the process on
/// a line `},` inside the `layers` array); the libFuzzer harness goes further than these rounds.
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
        // Both outcomes happen, or the mutations test nothing (fewer parse since counts such as
        // epochs = 9223372036854775807 are refused).
        #expect(parsed > 50 && refused > 100, "parsed \(parsed), refused \(refused)")
    }

    static let punctuation = Array("{}[],=\"\n#'.".utf8)

    /// One byte-level edit: a deletion, an inserted punctuation byte, a duplicated line or a truncation.
    static func mutateBytes(_ bytes: [UInt8], using rng: inout RandomGenerator) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        var bytes = bytes
        let at = Int(rng.next() % UInt64(bytes.count))
        switch rng.next() % 4 {
        case 0:
            bytes.removeSubrange(at..<min(bytes.count, at + 1 + Int(rng.next() % 3)))
        case 1:
            bytes.insert(punctuation[Int(rng.next() % UInt64(punctuation.count))], at: at)
        case 2:
            let start = bytes[..<at].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            let end = bytes[at...].firstIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? bytes.count
            bytes.insert(contentsOf: bytes[start..<end], at: end)
        default:
            bytes.removeSubrange(at...)
        }
        return bytes
    }

    @Test func structurallyMutatedRunFilesParseOrFailCleanly() throws {
        var rng = RandomGenerator(seed: 14)
        let files = try RunConfigWriterTests.shippedRunFiles.map {
            Array(try String(contentsOf: repositoryRoot.appendingPathComponent($0), encoding: .utf8).utf8)
        }
        var parsed = 0, syntax = 0, other = 0
        for round in 0..<4000 {
            var bytes = files[round % files.count]
            for _ in 0...(rng.next() % 3) { bytes = Self.mutateBytes(bytes, using: &rng) }
            // Every edit keeps ASCII bytes ASCII, but a deletion can split a UTF-8 character.
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try RunConfig(toml: text)
                parsed += 1
            } catch let error as RunConfigError {
                if case .syntax = error { syntax += 1 } else { other += 1 }
            } catch {
                Issue.record("round \(round): \(type(of: error)) instead of a RunConfigError: \(error)\n\(text)")
            }
        }
        // Syntax errors, typed errors and clean parses all happen, or the mutations test little.
        #expect(parsed > 50 && syntax > 500 && other > 50, "parsed \(parsed), syntax errors \(syntax), other errors \(other)")
    }

    /// The line that used to abort the process, now an error naming where it is.
    @Test func aStrayClosingBraceIsASyntaxError() {
        let text = "[model]\nlayers = [\n  { type = \"flatten\" },\n},\n  { type = \"linear\", units = 10 },\n]\n"
        #expect(throws: RunConfigError.syntax(file: "run.toml", line: 4, column: 1,
                                              message: "expected a value (a string, number, boolean, date, array or inline table); found '}'")) {
            try RunConfig(toml: text, file: "run.toml")
        }
    }
}
