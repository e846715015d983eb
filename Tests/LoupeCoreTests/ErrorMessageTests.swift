import Foundation
import LoupeCore
import LoupeTestSupport
import Testing

/// Foundation's and Codable's errors become one readable sentence (issue 14: no raw dumps).
struct ErrorMessageTests {
    @Test func example() throws {
        // example: ErrorMessage
        var message = ""
        let bytes = Data("[1, \"two\"]".utf8)
        do { _ = try JSONDecoder().decode([Int].self, from: bytes) } catch {
            message = ErrorMessage.plain(error, json: bytes)   // "at [1]: expected an integer, found a string"
        }
        // end example
        #expect(message == "at [1]: expected an integer, found a string")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeCore/Errors/ErrorMessage.swift", markedAs: "ErrorMessage", in: #filePath) == nil)
    }

    struct Config: Decodable { var name: String; var sizes: [Double] }

    @Test("decoding errors name the path and what was expected")
    func decoding() {
        func message(_ json: String) -> String {
            do { _ = try JSONDecoder().decode(Config.self, from: Data(json.utf8)); return "decoded" } catch {
                return ErrorMessage.plain(error, json: Data(json.utf8))
            }
        }
        #expect(message(#"{"sizes": []}"#) == "at the top level: the key \"name\" is missing")
        #expect(message(#"{"name": "a", "sizes": [1, "x"]}"#) == "at sizes[1]: expected a number, found a string")
        #expect(message(#"{"name": null, "sizes": []}"#) == "at name: expected a string, found null")
        #expect(message(#"{"name": 3, "sizes": []}"#).hasPrefix("at name: expected a string"))
        #expect(message(#"{"name": "a", "sizes": 2}"#).hasPrefix("at sizes: expected an array"))
        #expect(message(#"{"name": "a" x}"#) == "not valid JSON: Invalid value around character 13.")
        #expect(!message(#"{"name": "a""#).contains("Domain="))
    }

    @Test("file errors name the path and the reason, not the error domain")
    func files() throws {
        let missing = "/nonexistent-\(UInt64.random(in: 0...UInt64.max))/x"
        do { _ = try Data(contentsOf: URL(fileURLWithPath: missing)); Issue.record("read a missing file") } catch {
            #expect(ErrorMessage.plain(error) == "\(missing): no such file or directory")
        }
        do { try Data("x".utf8).write(to: URL(fileURLWithPath: missing)); Issue.record("wrote into a missing folder") } catch {
            let text = ErrorMessage.plain(error)
            #expect(text.hasPrefix(missing) && !text.contains("Domain="))
        }
        // Loupe's own errors describe themselves.
        #expect(ErrorMessage.plain(SizeError(source: "x", bytes: nil, limit: 1)) == "\(SizeError(source: "x", bytes: nil, limit: 1))")
    }
}
