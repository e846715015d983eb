/// One line a model must meet to pass, as a user writes it in a run file (`[eval] require = [...]`)
/// or on the command line: a figure, an optional class, a comparison and a number.
///
/// ```swift
/// let requirement = try Requirement("recall[class=3] >= 0.9")
/// let line = try requirement.check(against: ["recall[class=3]": 0.93])   // passed, actual 0.93
/// ```
public struct Requirement: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable {
        case atLeast = ">=", atMost = "<=", above = ">", below = "<", equal = "=="

        func holds(_ actual: Double, _ threshold: Double) -> Bool {
            switch self {
            case .atLeast: actual >= threshold
            case .atMost: actual <= threshold
            case .above: actual > threshold
            case .below: actual < threshold
            case .equal: actual == threshold
            }
        }
    }

    /// The figure's name: `macro_f1`, `p95_latency_ms`.
    public let metric: String
    /// The class a per-class figure is taken for.
    public let classIndex: Int?
    public let comparison: Comparison
    public let threshold: Double

    /// The key of the figure it reads: `recall[class=3]`, or the name alone.
    public var key: String { classIndex.map { "\(metric)[class=\($0)]" } ?? metric }
    public var description: String { "\(key) \(comparison.rawValue) \(threshold)" }

    /// Parses `text`: `NAME [class=K]? OP NUMBER`, spaces anywhere between the parts.
    /// - Throws: ``RequirementError/syntax(text:position:expected:)`` naming the character where
    ///   it went wrong and what would have been right.
    public init(_ text: String) throws(RequirementError) {
        let chars = Array(text)
        var i = 0
        func skipSpaces() { while i < chars.count && chars[i] == " " { i += 1 } }
        func fail(_ expected: String) -> RequirementError { .syntax(text: text, position: i, expected: expected) }
        func word(_ allowed: (Character) -> Bool) -> String {
            let start = i
            while i < chars.count && allowed(chars[i]) { i += 1 }
            return String(chars[start..<i])
        }
        skipSpaces()
        let name = word { $0.isLetter || $0.isNumber || $0 == "_" }
        guard let first = name.first, first.isLetter else { throw fail("a figure's name, such as macro_f1") }
        metric = name.lowercased()
        skipSpaces()
        if i < chars.count && chars[i] == "[" {
            i += 1
            skipSpaces()
            guard word({ $0.isLetter }) == "class" else { throw fail("class=K inside the brackets") }
            skipSpaces()
            guard i < chars.count && chars[i] == "=" else { throw fail("= after class") }
            i += 1
            skipSpaces()
            guard let k = Int(word { $0.isNumber }), k >= 0 else { throw fail("a class index (0, 1, 2, …)") }
            skipSpaces()
            guard i < chars.count && chars[i] == "]" else { throw fail("] to close the class") }
            i += 1
            classIndex = k
            skipSpaces()
        } else {
            classIndex = nil
        }
        let opStart = i
        let op = word { "<>=!".contains($0) }
        guard let comparison = Comparison(rawValue: op) else {
            i = opStart
            throw fail("a comparison: " + Comparison.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.comparison = comparison
        skipSpaces()
        let numberStart = i
        let number = word { !$0.isWhitespace }
        guard let value = Double(number), value.isFinite else {
            i = numberStart
            throw fail("a finite number")
        }
        threshold = value
        skipSpaces()
        guard i == chars.count else { throw fail("nothing after the number") }
    }

    /// One checked requirement.
    public struct Line: Codable, Sendable, Equatable {
        public let requirement: Requirement
        public let actual: Double
        public let passed: Bool
    }

    /// Checks the requirement against `figures` (keys as ``key``).
    /// - Throws: ``RequirementError/unknownFigure(_:known:)`` when there is no such figure, with the
    ///   names there are.
    public func check(against figures: [String: Double]) throws(RequirementError) -> Line {
        guard let actual = figures[key] else { throw .unknownFigure(key, known: figures.keys.sorted()) }
        return Line(requirement: self, actual: actual, passed: !actual.isNaN && comparison.holds(actual, threshold))
    }
}

/// A requirement that cannot be read or checked.
public enum RequirementError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `position` counts characters from 0.
    case syntax(text: String, position: Int, expected: String)
    case unknownFigure(String, known: [String])

    public var description: String {
        switch self {
        case let .syntax(text, position, expected):
            "requirement \"\(text)\": at character \(position + 1), expected \(expected) (e.g. \"macro_f1 >= 0.95\", \"recall[class=3] >= 0.9\")"
        case let .unknownFigure(key, known):
            "requirement on \"\(key)\": no such figure; there are " + known.prefix(40).joined(separator: ", ")
                + (known.count > 40 ? ", …" : "")
        }
    }
}

/// Requirements checked together: PASS when every line passes (what `loupe eval` turns into its
/// exit status, so that a CI pipeline can gate a model on it).
public struct Verdict: Codable, Sendable, Equatable {
    public let lines: [Requirement.Line]
    public var passed: Bool { lines.allSatisfy(\.passed) }

    /// - Throws: the first ``RequirementError`` (an unknown figure), before any line is judged.
    public init(_ requirements: [Requirement], figures: [String: Double]) throws(RequirementError) {
        var lines: [Requirement.Line] = []
        for requirement in requirements { lines.append(try requirement.check(against: figures)) }
        self.lines = lines
    }
}

extension Requirement: Codable {
    /// A requirement is stored as its line, `"recall[class=3] >= 0.9"`.
    public init(from decoder: Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Verdict {
    private enum CodingKeys: String, CodingKey { case passed, lines }

    public init(from decoder: Decoder) throws {
        lines = try decoder.container(keyedBy: CodingKeys.self).decode([Requirement.Line].self, forKey: .lines)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(passed, forKey: .passed)
        try container.encode(lines, forKey: .lines)
    }
}
