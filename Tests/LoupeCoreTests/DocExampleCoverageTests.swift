import Foundation
import LoupeTestSupport
import Testing

/// Every code example in a doc comment under Sources/ has a test that compiles a copy of it and
/// checks the copy against the source with `docExampleMismatch(INDEX, in: "Sources/…", …)`, so an
/// example added without a test fails here rather than going stale unnoticed.
struct DocExampleCoverageTests {
    /// The `.swift` files under `folder` of the repository, as paths from its root.
    static func swiftFiles(under folder: String) -> [String] {
        let paths = FileManager.default.subpaths(atPath: repositoryRoot.appendingPathComponent(folder).path) ?? []
        return paths.filter { $0.hasSuffix(".swift") }.map { "\(folder)/\($0)" }.sorted()
    }

    @Test func everyDocExampleHasATest() throws {
        // The calls name the example by a literal index and path, which is what makes them findable.
        let call = try Regex(#"docExampleMismatch\((\d+), in: "([^"]+)""#)
        var checked: Set<String> = []
        for file in Self.swiftFiles(under: "Tests") {
            let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: call) {
                if let index = match.output[1].substring, let path = match.output[2].substring {
                    checked.insert("\(path) example \(index)")
                }
            }
        }
        var examples = 0, unchecked: [String] = []
        for file in Self.swiftFiles(under: "Sources") {
            let count = try docExamples(in: file).count
            examples += count
            unchecked += (0..<count).map { "\(file) example \($0)" }.filter { !checked.contains($0) }
        }
        // Guards the scan itself: finding no examples at all would pass vacuously.
        #expect(examples > 0)
        #expect(unchecked.isEmpty, "doc examples that no test checks with docExampleMismatch (0-based): \(unchecked.joined(separator: ", "))")
    }
}
