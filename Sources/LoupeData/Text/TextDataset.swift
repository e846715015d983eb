import Foundation
import LoupeCore

/// A text prepared for next-character prediction: its vocabulary, its token ids, and datasets of
/// blocks cut from it.
///
/// ```swift
/// let corpus = try TextCorpus(contentsOf: path)   // any UTF-8 text file
/// let data = try corpus.blocks(blockSize: 64)   // inputs [N, 64] int64, targets [N, 64] int64
/// ```
public struct TextCorpus: Sendable {
    public let vocabulary: CharVocabulary
    /// The token id of every character of the text.
    public let tokens: [Int]

    /// The corpus of `text`, with the vocabulary of its own characters.
    public init(text: String) throws {
        vocabulary = CharVocabulary(text: text)
        tokens = try vocabulary.encode(text)
    }

    /// Reads a UTF-8 text file.
    public init(contentsOf path: String) throws {
        let bytes = try FileBytes.readDecompressing(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError.badValue(file: path, line: Self.lineOfInvalidUTF8(bytes), column: "-", text: "(bytes that are not UTF-8)", expected: "UTF-8 text")
        }
        try self.init(text: text)
    }

    /// Blocks of `blockSize` tokens for next-token prediction: sample i has inputs
    /// `tokens[s ..< s + blockSize]` and targets `tokens[s + 1 ..< s + blockSize + 1]` with s = i · stride.
    ///
    /// - Parameter stride: distance between block starts; `nil` means `blockSize` (blocks do not overlap).
    /// - Returns: inputs int64 [N, blockSize], targets int64 [N, blockSize], N = ⌊(count − blockSize − 1) / stride⌋ + 1.
    public func blocks(blockSize: Int, stride: Int? = nil) throws -> TensorDataset {
        try Self.blocks(tokens, blockSize: blockSize, stride: stride)
    }

    /// Blocks of `blockSize` tokens cut from `tokens`; see ``blocks(blockSize:stride:)``.
    public static func blocks(_ tokens: [Int], blockSize: Int, stride: Int? = nil) throws -> TensorDataset {
        let step = stride ?? blockSize
        guard blockSize >= 1, step >= 1 else {
            throw DataError.invalidArgument(op: "TextCorpus.blocks", reason: "blockSize \(blockSize) and stride \(step) must both be at least 1")
        }
        guard tokens.count >= blockSize + 1 else {
            throw DataError.invalidArgument(op: "TextCorpus.blocks",
                                            reason: "the text has \(tokens.count) tokens, too few for one block of \(blockSize) plus its next-token target")
        }
        let n = (tokens.count - blockSize - 1) / step + 1
        var x = [Int](), y = [Int]()
        x.reserveCapacity(n * blockSize)
        y.reserveCapacity(n * blockSize)
        for i in 0..<n {
            let s = i * step
            x.append(contentsOf: tokens[s..<(s + blockSize)])
            y.append(contentsOf: tokens[(s + 1)..<(s + blockSize + 1)])
        }
        return try TensorDataset(inputs: Tensor(indices: x, shape: [n, blockSize]), targets: Tensor(indices: y, shape: [n, blockSize]))
    }

    private static func lineOfInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var line = 1
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case let .scalarValue(s): if s == "\n" { line += 1 }
            case .emptyInput, .error: return line
            }
        }
    }
}
