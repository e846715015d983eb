import Testing
@testable import LoupeSafeTensors

/// The strict JSON parser the header reader relies on, and the serde_json-compatible quoting the
/// writer relies on.
@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func parsesEveryKindOfValue() throws {
        let v = try parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"], "a": {}} "#)
        #expect(v == .object([
            ("a", .array([.integer(1), .integer(-2), .number("3.5"), .number("1e3"), .bool(true), .bool(false), .null,
                          .string("x\"\\/\u{8}\u{c}\n\r\té😀")])),
            ("a", .object([])),
        ]))
    }

    @Test func keepsIntegersExact() throws {
        #expect(try parse("9223372036854775807") == .integer(Int.max))
        #expect(try parse("-9223372036854775808") == .integer(Int.min))
        #expect(try parse("9223372036854775808") == .number("9223372036854775808"))
        #expect(try parse("-0") == .integer(0))
    }

    @Test(arguments: ["", " ", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "[1,]", "{\"a\"}", "{\"a\":1,}", "{1:2}",
                      "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\udc00\"", "\"\\ud800x\"", "\"\\ud800\\u0041\"", "[] []", "'a'"])
    func rejectsInvalidText(_ text: String) {
        #expect(throws: JSONParseError.self) { try parse(text) }
    }

    @Test func quotesLikeSerdeJSON() {
        #expect(JSONText.quoted("plain é/ \u{7f}") == "\"plain é/ \u{7f}\"")
        #expect(JSONText.quoted("\"\\\u{8}\u{c}\n\r\t\u{1}\u{1f}") == #""\"\\\b\f\n\r\t\u0001\u001f""#)
    }

    @Test func quotedTextParsesBack() throws {
        let s = "a\"b\\c\n\u{0}\u{1f}é😀"
        #expect(try parse(JSONText.quoted(s)) == .string(s))
    }
}
