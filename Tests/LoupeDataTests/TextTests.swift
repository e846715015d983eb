import Foundation
import LoupeCore
import Testing
@testable import LoupeData

@Suite("Text")
struct TextTests {
    @Test("the vocabulary is the sorted unique characters; encode and decode are inverses")
    func vocabulary() throws {
        let vocab = CharVocabulary(text: "hello, wörld")
        #expect(String(String.UnicodeScalarView(vocab.characters)) == " ,dehlorwö")
        let ids = try vocab.encode("hold ö")
        #expect(ids == [4, 6, 5, 2, 0, 9])
        #expect(try vocab.decode(ids) == "hold ö")
        #expect(dataErrorMessage { _ = try vocab.encode("hex") }.contains("position 2"))
        #expect(throws: DataError.self) { _ = try vocab.decode([10]) }
        let decoded = try JSONDecoder().decode(CharVocabulary.self, from: JSONEncoder().encode(vocab))
        #expect(decoded == vocab)
        #expect(try decoded.encode("wörld") == vocab.encode("wörld"))
    }

    @Test("blocks: targets are the inputs shifted by one token")
    func blocks() throws {
        let tokens = Array(0..<10)
        let data = try TextCorpus.blocks(tokens, blockSize: 3)
        #expect(data.inputs.dtype == .int64 && data.inputs.shape == [3, 3] && data.targets.shape == [3, 3])
        #expect(data.inputs.ints() == [0, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(data.targets.ints() == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let overlapping = try TextCorpus.blocks(tokens, blockSize: 4, stride: 1)
        #expect(overlapping.count == 6)
        #expect(try overlapping.batch([5]).targets.ints() == [6, 7, 8, 9])
        #expect(throws: DataError.self) { _ = try TextCorpus.blocks(tokens, blockSize: 10) }
        #expect(throws: DataError.self) { _ = try TextCorpus.blocks(tokens, blockSize: 0) }
    }

    @Test("a text file is read as UTF-8; invalid bytes are reported with their line")
    func file() throws {
        let dir = try TemporaryDirectory()
        let corpus = try TextCorpus(contentsOf: dir.write("t.txt", "abcabc\nab"))
        #expect(corpus.vocabulary.count == 4 && corpus.tokens.count == 9)
        let bad = try dir.write("bad.txt", Array("ok\nline two \u{0}".utf8) + [0xFF, 0xFE])
        #expect(dataErrorMessage { _ = try TextCorpus(contentsOf: bad) }.hasPrefix("\(bad):2:"))
    }
}
