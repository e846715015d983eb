import Foundation
import LoupeGGUF
import Testing
@testable import LoupeLLM

/// The tokenizer against llama.cpp's outputs for SmolLM2 (../shared/reference/smollm2/, copied to
/// Fixtures/smollm2/ so the tests run anywhere): ids must match exactly.
struct TokenizerTests {
    struct Case: Decodable {
        let id: String
        let text: String
        let tokens: [Int]
        let tokens_parse_special_false: [Int]
        let detokenized: String
    }
    struct Reference: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "Fixtures/smollm2/tokenizer", withExtension: "json")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url)).cases
    }()

    static let tokenizer: Result<BPETokenizer, Error> = Result { try BPETokenizer(gguf: GGUFFile(contentsOf: DefaultModel.resolve(nil))) }

    @Test(arguments: cases.map(\.id))
    func matchesLlamaCpp(id: String) throws {
        // A missing model says where it was looked for and that scripts/fetch-model.sh fetches it.
        let tokenizer = try Self.tokenizer.get()
        let c = try #require(Self.cases.first { $0.id == id })
        #expect(tokenizer.encode(c.text) == c.tokens, "\(id): \(c.text.debugDescription)")
        #expect(tokenizer.encode(c.text, parseSpecial: false) == c.tokens_parse_special_false, "\(id) without special parsing")
        #expect(tokenizer.decode(c.tokens) == c.detokenized)
    }

    @Test("user-defined tokens are matched whole even without special parsing; control tokens only with it")
    func userDefinedTokens() throws {
        // A byte-level vocabulary of "a", "b", "c", a control token and a user-defined one.
        let tokenizer = try BPETokenizer(tokens: ["a", "b", "c", "<|ctl|>", "<tool>"], merges: [],
                                         specialTokens: [(3, "<|ctl|>"), (4, "<tool>")], userDefined: [4], bos: nil, eos: nil)
        #expect(tokenizer.encode("a<tool>b<|ctl|>c", parseSpecial: true) == [0, 4, 1, 3, 2])
        let plain = tokenizer.encode("a<tool>b<|ctl|>c", parseSpecial: false)
        #expect(plain.starts(with: [0, 4, 1]) && !plain.contains(3), "\(plain)")
    }

    @Test func preTokenizerSplitsDigitsAndSpaces() {
        #expect(PreTokenizer.split("The year 2024") == ["The", " year", " ", "2", "0", "2", "4"])
        #expect(PreTokenizer.split("a   b") == ["a", "  ", " b"])
        #expect(PreTokenizer.split("I'm") == ["I", "'m"])
        #expect(PreTokenizer.split("end  ") == ["end", "  "])
    }

    @Test func byteLevelMapRoundTrips() {
        let all = (0..<256).map { UInt8($0) }
        #expect(ByteLevel.decode(ByteLevel.encode(all)) == all)
        #expect(ByteLevel.encode([0x20]) == "Ġ" && ByteLevel.encode([0x0A]) == "Ċ")
    }
}

/// Streaming: chunks are valid UTF-8 at every step and join into the whole decode.
struct StreamingDecoderTests {
    @Test(arguments: ["emoji_simple", "emoji_zwj", "chinese", "japanese", "accented_latin", "arabic", "mixed_script"])
    func chunksAreValidAndComplete(id: String) throws {
        let tokenizer = try TokenizerTests.tokenizer.get()
        let c = try #require(TokenizerTests.cases.first { $0.id == id })
        var decoder = StreamingDecoder(tokenizer: tokenizer)
        var text = ""
        var splitCharacters = 0
        for token in c.tokens {
            let chunk = decoder.append(token)
            #expect(!chunk.contains("\u{FFFD}"), "\(id): a chunk holds a broken character")
            if chunk.isEmpty { splitCharacters += 1 }
            text += chunk
        }
        text += decoder.finish()
        #expect(text == c.detokenized)
        if id == "emoji_simple" || id == "chinese" { #expect(splitCharacters > 0, "the case splits characters across tokens") }
    }

    @Test func holdsBackOnlyIncompleteTails() {
        #expect(StreamingDecoder.completePrefixLength(Array("ab".utf8)) == 2)
        #expect(StreamingDecoder.completePrefixLength([0x61, 0xF0, 0x9F]) == 1)          // 🦙 begun
        #expect(StreamingDecoder.completePrefixLength([0xF0, 0x9F, 0xA6, 0x99]) == 4)    // 🦙 whole
        #expect(StreamingDecoder.completePrefixLength([0xE6, 0x88]) == 0)
    }
}
