import Foundation
import LoupeTOML
import Testing

/// What the tomllib fixture cannot check: bytes that are not UTF-8, the size limit, where errors
/// point, and quoting that reads back.
struct TOMLParserTests {
    func error(_ text: String) -> TOMLError? {
        do { _ = try TOML.parse(text) } catch { return error }
        return nil
    }

    @Test func errorsPointAtTheLineAndColumn() throws {
        let stray = try #require(error("[model]\nlayers = [\n  { type = \"flatten\" },\n},\n]\n"))
        #expect(stray.line == 4 && stray.column == 1)
        #expect(stray.message.contains("expected a value"))
        let header = try #require(error("[train\nlr = 1"))
        #expect(header.line == 1 && header.column == 7 && header.message.contains("']'"))
        // Columns count characters, not bytes.
        let afterUnicode = try #require(error("a = \"é\" x"))
        #expect(afterUnicode.line == 1 && afterUnicode.column == 9)
        let twice = try #require(error("a = 1\n\n  a = 2\n"))
        #expect(twice.line == 3 && twice.column == 3 && twice.message == "key 'a' is defined twice")
    }

    @Test func invalidUTF8IsAnError() throws {
        for bytes: [UInt8] in [[0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xE2, 0x82]] {
            let text = Array("a = 1\nb = \"".utf8) + bytes + Array("\"\n".utf8)
            #expect(throws: TOMLError(line: 2, column: 6, message: "invalid UTF-8")) { try TOML.parse(text) }
        }
        #expect(try TOML.parse(Array("a = \"€😀\"".utf8)) == .table([TOMLEntry("a", .string("€😀"))]))
    }

    @Test func documentsOverTheSizeLimitAreRefused() {
        let big = [UInt8](repeating: UInt8(ascii: "\n"), count: TOML.maximumSize + 1)
        #expect(throws: TOMLError.self) { try TOML.parse(big) }
        #expect(throws: Never.self) { try TOML.parse([UInt8](repeating: UInt8(ascii: "\n"), count: 1000)) }
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        for text in ["a = " + String(repeating: "[", count: 100_000), "a = " + String(repeating: "{b=", count: 100_000),
                     String(repeating: "[", count: 100_000), String(repeating: "a.", count: 100_000) + "a = 1"] {
            #expect(throws: TOMLError.self) { try TOML.parse(text) }
        }
    }

    @Test func quotedStringsReadBack() throws {
        let strings = ["", "plain", "a \"quoted\" name", #"C:\data\new\table"#, "tab\there", "two\nlines", "\r\u{1b}[0m\u{7f}",
                       "\u{0}\u{8}\u{c}\u{1f}", "données/日本語/🙂", "'''\"\"\"] [train]\nlr = 5", "trailing backslash\\", "\u{85}\u{2028}"]
        for s in strings {
            let line = "v = " + TOML.quoted(s)
            #expect(!line.contains("\n"))
            #expect(try TOML.parse(line)["v"] == .string(s), "\(s.debugDescription) → \(line)")
        }
        #expect(TOML.quoted("a\"b\\c\td\u{1}") == #""a\"b\\c\td\u0001""#)
    }

    @Test func tablesKeepDocumentOrder() throws {
        let root = try TOML.parse("z = 1\n[b]\ny = 2\nx = 3\n[a]\n")
        guard case let .table(entries) = root else { Issue.record("not a table"); return }
        #expect(entries.map(\.key) == ["z", "b", "a"])
        #expect(root["b"] == .table([TOMLEntry("y", .integer(2)), TOMLEntry("x", .integer(3))]))
    }
}
