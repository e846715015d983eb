import Foundation

/// Keeps the code examples in doc comments compiling: a test holds a copy of an example between
/// `// example: NAME` and `// end example` lines, where the compiler checks it, and
/// ``docExampleMismatch(_:in:markedAs:in:)`` checks that the copy still says what the doc comment says.

/// The ```` ```swift ```` blocks of the doc comments in `file` (a path from the repository root),
/// in order, each as its lines without the `///` prefix.
public func docExamples(in file: String) throws -> [[String]] {
    let text = try String(contentsOf: repositoryRoot.appendingPathComponent(file), encoding: .utf8)
    var examples: [[String]] = [], current: [String]?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("///") else { current = nil; continue }
        let content = String(trimmed.dropFirst(3).drop { $0 == " " })
        if current == nil, content == "```swift" {
            current = []
        } else if current != nil, content == "```" {
            examples.append(current!)
            current = nil
        } else if current != nil {
            current!.append(content)
        }
    }
    return examples
}

/// The lines between `// example: NAME` and the next `// end example` in `file` (a test's
/// `#filePath`).
public func markedExample(_ name: String, in file: String) throws -> [String] {
    let text = try String(contentsOfFile: file, encoding: .utf8)
    var lines: [String] = [], inside = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed == "// example: \(name)" { inside = true; continue }
        if inside, trimmed == "// end example" { return lines }
        if inside { lines.append(String(line)) }
    }
    return []
}

/// Nil when example `index` of `sourceFile`'s doc comments appears, line for line (indentation
/// aside), inside the region `name` of `testFile`; else what differs. The region may hold set-up
/// lines around the example (the values the example takes as given).
public func docExampleMismatch(_ index: Int, in sourceFile: String, markedAs name: String, in testFile: String) throws -> String? {
    let examples = try docExamples(in: sourceFile)
    guard index < examples.count else { return "\(sourceFile) has \(examples.count) swift example(s), not \(index + 1)" }
    func normalized(_ lines: [String]) -> [String] {
        lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
    let example = normalized(examples[index]), region = normalized(try markedExample(name, in: testFile))
    guard !region.isEmpty else { return "no region '// example: \(name)' in \(testFile)" }
    var next = 0
    for line in region where next < example.count && line == example[next] { next += 1 }
    return next == example.count ? nil
        : "\(sourceFile) example \(index + 1) line \(next + 1) «\(example[next])» is not in the test's copy '\(name)'"
}
