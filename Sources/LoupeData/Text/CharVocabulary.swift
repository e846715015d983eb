/// A character-level vocabulary: the sorted unique characters of a text, each mapped to its position.
///
/// "Character" here means Unicode scalar, so `\r\n` is two tokens and every text splits the same way
/// whatever the grapheme rules of the Swift version.
///
/// ```swift
/// let vocab = CharVocabulary(text: "hello")      // ["e", "h", "l", "o"]
/// let ids = try vocab.encode("hole")             // [1, 3, 2, 0]
/// let text = try vocab.decode(ids)               // "hole"
/// ```
public struct CharVocabulary: Sendable, Equatable, Codable {
    /// The characters, sorted by code point; a token id is an index into this array.
    public let characters: [Unicode.Scalar]
    private let ids: [Unicode.Scalar: Int]

    /// The vocabulary of every distinct character in `text`.
    public init(text: String) {
        self.init(characters: Array(Set(text.unicodeScalars)))
    }

    /// A vocabulary of the given characters (sorted and deduplicated).
    public init(characters: [Unicode.Scalar]) {
        self.characters = Array(Set(characters)).sorted()
        ids = Dictionary(uniqueKeysWithValues: self.characters.enumerated().map { ($1, $0) })
    }

    /// Number of tokens.
    public var count: Int { characters.count }

    /// The token id of every character of `text`.
    ///
    /// - Throws: ``DataError/invalidArgument(op:reason:)`` naming the first character not in the
    ///   vocabulary and its position.
    public func encode(_ text: String) throws -> [Int] {
        // Direct table for code points below 256 (all of an English text): a dictionary lookup per
        // character is several times slower on a megabyte.
        var table = [Int](repeating: -1, count: 256)
        for (i, c) in characters.enumerated() where c.value < 256 { table[Int(c.value)] = i }
        var out = [Int]()
        out.reserveCapacity(text.utf8.count)
        for (position, c) in text.unicodeScalars.enumerated() {
            let id = c.value < 256 ? table[Int(c.value)] : (ids[c] ?? -1)
            guard id >= 0 else {
                throw DataError.invalidArgument(op: "CharVocabulary.encode",
                                                reason: "character \(c.escaped(asASCII: true)) at position \(position) is not in the vocabulary of \(count) characters")
            }
            out.append(id)
        }
        return out
    }

    /// The text of token ids.
    ///
    /// - Throws: ``DataError/invalidArgument(op:reason:)`` for an id outside `0..<count`.
    public func decode(_ tokens: [Int]) throws -> String {
        var s = String.UnicodeScalarView()
        for (position, t) in tokens.enumerated() {
            guard (0..<count).contains(t) else {
                throw DataError.invalidArgument(op: "CharVocabulary.decode", reason: "token \(t) at position \(position) is out of range 0..<\(count)")
            }
            s.append(characters[t])
        }
        return String(s)
    }

    // Codable through the characters alone; the lookup table is rebuilt.
    private enum CodingKeys: String, CodingKey { case characters }

    public init(from decoder: Decoder) throws {
        let text = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .characters)
        self.init(characters: Array(text.unicodeScalars))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(String.UnicodeScalarView(characters)), forKey: .characters)
    }

    public static func == (a: CharVocabulary, b: CharVocabulary) -> Bool { a.characters == b.characters }
}
