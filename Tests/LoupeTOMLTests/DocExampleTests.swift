import LoupeTOML
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeTOML, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func parseExample() throws {
        // example: TOML
        let root = try TOML.parse("[train]\nlr = 0.01\nepochs = 3 # a comment\n")
        print(root["train"]?["lr"] ?? .float(.nan))   // float(0.01)
        // end example
        #expect(root["train"]?["lr"] == .float(0.01) && root["train"]?["epochs"] == .integer(3))
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTOML/TOML.swift", markedAs: "TOML", in: #filePath) == nil)
    }
}
