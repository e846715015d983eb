import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeEval

/// A language model whose next-token probabilities are a known table: p(next | previous) is
/// `table[previous][next]`, so every log-likelihood can be worked out by hand. Characters are
/// tokens: "a" 0, "b" 1, "c" 2, " " 3; BOS, when there is one, is 4 (it predicts like " ").
final class TableScorer: LanguageModelScorer {
    let table: [[Double]]
    let beginningOfSequence: Int?
    let contextLength: Int
    private(set) var calls: [[Int]] = []

    init(table: [[Double]], bos: Int? = nil, contextLength: Int = 64) {
        (self.table, beginningOfSequence, self.contextLength) = (table, bos, contextLength)
    }

    var vocabularySize: Int { 5 }
    func tokenize(_ text: String) -> [Int] { text.map { ["a": 0, "b": 1, "c": 2, " ": 3][$0] ?? 3 } }
    func byteCount(of id: Int) -> Int { id == 4 ? 0 : 1 }
    func logits(_ tokens: [Int]) throws -> [Float] {
        calls.append(tokens)
        return tokens.flatMap { t in table[min(t, 3)].map { Float(Foundation.log($0)) } + [Float(Foundation.log(1e-30))] }
    }

    /// Every previous token predicts a the same: p(a) 1/2, p(b) 1/4, p(c) 1/8, p(" ") 1/8.
    static var fixed: TableScorer { TableScorer(table: Array(repeating: [0.5, 0.25, 0.125, 0.125], count: 4)) }
}

/// A scorer claiming a vocabulary too large for any machine: its windows must be refused unread.
final class HugeVocabularyScorer: LanguageModelScorer {
    private(set) var called = false
    var vocabularySize: Int { 1 << 60 }
    var contextLength: Int { 64 }
    var beginningOfSequence: Int? { nil }
    func tokenize(_ text: String) -> [Int] { text.map { _ in 0 } }
    func byteCount(of id: Int) -> Int { 1 }
    func logits(_ tokens: [Int]) throws -> [Float] { called = true; return [] }
}

struct PerplexityTests {
    @Test("llama.cpp's chunks: the second half of each chunk is scored; the perplexity is exp of the mean NLL")
    func chunks() throws {
        let scorer = TableScorer.fixed
        // 8 tokens, context 4: chunks [0,4) and [4,8); rows 2 of each predicts token 3 → 1 token per chunk.
        let report = try Perplexity.evaluate("abcaabca", scorer: scorer, method: .chunks(context: 4))
        // Scored: token 3 of each chunk: "a" and "a": −log(1/2) each.
        #expect(report.scoredTokens == 2 && report.windows == 2 && report.tokens == 8)
        #expect(abs(report.meanNegativeLogLikelihood - log(2)) < 1e-6)
        #expect(abs(report.perplexity - 2) < 1e-5)
        #expect(abs(report.bitsPerByte - 1) < 1e-5)   // 1 bit per 1-byte token
        #expect(scorer.calls.last == [0, 1, 2, 0])
    }

    @Test("hand-computed perplexity of a mixed text, with BOS replacing each chunk's first token")
    func handComputed() throws {
        // p(next | prev): after "a": b 1/2; after "b": c 1/4; after "c": a 1/8 …
        let table = [[0.25, 0.5, 0.125, 0.125], [0.25, 0.25, 0.25, 0.25], [0.125, 0.125, 0.5, 0.25], [0.5, 0.25, 0.125, 0.125]]
        let scorer = TableScorer(table: table, bos: 4, contextLength: 8)
        // Tokens: BOS a b c a b c a b (9); context 4 → 2 chunks: [BOS a b c] [a b c a]; first = 2.
        let report = try Perplexity.evaluate("abcabcab", scorer: scorer, method: .chunks(context: 4))
        // Chunk 1 input: [BOS a b c] (BOS kept); row 2 ("b") predicts "c": 1/4.
        // Chunk 2 input: [BOS b c a] (its "a" replaced by BOS); row 2 ("c") predicts "a": 1/8.
        let expected = (log(4.0) + log(8.0)) / 2
        #expect(abs(report.meanNegativeLogLikelihood - expected) < 1e-6)
        #expect(scorer.calls == [[4, 0, 1, 2], [4, 1, 2, 0]])
        #expect(report.runningPerplexity.count == 2 && abs(report.runningPerplexity[0] - 4) < 1e-5)
    }

    @Test("the sliding window scores every token after the first exactly once")
    func slidingWindow() throws {
        let scorer = TableScorer.fixed
        let text = "abcabcabcab"   // 11 tokens
        let windows = try Perplexity.windows(count: 11, method: .slidingWindow(context: 4, stride: 3), scorer: scorer, maxWindows: nil)
        var scored: [Int] = []
        for w in windows { for r in w.firstScoredRow..<(w.end - w.start - 1) { scored.append(w.start + r + 1) } }
        #expect(scored == Array(1..<11))
        let report = try Perplexity.evaluate(text, scorer: scorer, method: .slidingWindow(context: 4, stride: 3))
        #expect(report.scoredTokens == 10)
        // 4 a's (after the first), 4 b's and 2 c's... counted from the text: tokens 1...10.
        let nll = Array(text).dropFirst().map { ["a": log(2.0), "b": log(4.0), "c": log(8.0)][$0]! }.reduce(0, +) / 10
        #expect(abs(report.meanNegativeLogLikelihood - nll) < 1e-6)
    }

    @Test("bad input: empty text, too short for the context, a context beyond the model's, a stride past the context")
    func badInput() {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        let scorer = TableScorer.fixed
        #expect(message { _ = try Perplexity.evaluate("", scorer: scorer, method: .chunks(context: 4)) } == "no text to score")
        #expect(message { _ = try Perplexity.evaluate("abcab", scorer: scorer, method: .chunks(context: 4)) }
            .contains("the text is 5 tokens; a context of 4 needs at least 8"))
        #expect(message { _ = try Perplexity.evaluate("abcabcab", scorer: scorer, method: .chunks(context: 128)) }
            .contains("at most the model's 64 tokens"))
        #expect(message { _ = try Perplexity.evaluate("abcabcab", scorer: scorer, method: .slidingWindow(context: 4, stride: 5)) }
            .contains("the stride is 5"))
        // A window whose logits would not fit in memory: refused before the model runs.
        let huge = HugeVocabularyScorer()
        let refused = message { _ = try Perplexity.evaluate("abcabcab", scorer: huge, method: .chunks(context: 4)) }
        #expect(refused.contains("a window of 4 tokens"), "\(refused)")
        #expect(huge.called == false)
    }
}

struct KLDivergenceTests {
    @Test("a model against itself: KLD 0, the same top token everywhere, Δp 0")
    func identical() throws {
        let text = String(repeating: "abcab", count: 20)
        let report = try KLDivergence.compare(text, model: TableScorer.fixed, base: TableScorer.fixed, context: 8)
        #expect(report.meanKLD.magnitude < 1e-9 && report.sameTopToken == 1 && report.rmsDeltaP < 1e-9)
        #expect(abs(report.perplexity - report.basePerplexity) < 1e-9)
    }

    @Test("KL(base ‖ model) by hand for two fixed distributions")
    func handComputed() throws {
        let base = TableScorer.fixed
        let model = TableScorer(table: Array(repeating: [0.25, 0.25, 0.25, 0.25], count: 4))
        let report = try KLDivergence.compare(String(repeating: "ab", count: 20), model: model, base: base, context: 8)
        // Σ p log(p/q) = ½log2 + ¼·0 + ⅛log(½) + ⅛log(½) = ½log2 − ¼log2 = ¼log2.
        #expect(abs(report.meanKLD - log(2.0) / 4) < 1e-6)
        #expect(abs((report.kldPercentiles["median"] ?? 0) - log(2.0) / 4) < 1e-6)
        // Both pick "a" (the model's tie goes to the lower id).
        #expect(report.sameTopToken == 1)
        #expect(report.meanDeltaP < 0)   // the model gives the tokens that came less than the base did
    }

    @Test("llama.cpp's percentile: linear between neighbours; the median is the middle pair's mean")
    func percentiles() {
        let p = KLDivergence.percentiles([4, 1, 3, 2], [("median", 0.5), ("90%", 0.9), ("min", 0), ("max", 1)])
        #expect(p["median"] == 2.5 && p["min"] == 1 && p["max"] == 4 && abs(p["90%"]! - 3.7) < 1e-12)
    }
}

struct MultipleChoiceTests {
    @Test("log-likelihoods by hand; acc picks the highest sum, acc_norm the highest per character")
    func handComputed() throws {
        let scorer = TableScorer.fixed
        // Continuations " a" and " bb": every token's probability is the table's:
        // " a"  → log(1/8) + log(1/2) = −log 16;   " bb" → log(1/8) + 2 log(1/4) = −log 128.
        let a = try MultipleChoice.logLikelihood(context: "ab", continuation: " a", scorer: scorer)
        #expect(abs(a + log(16.0)) < 1e-6)
        let items = [MultipleChoiceItem(context: "ab", choices: ["a", "bb"], gold: 1), MultipleChoiceItem(context: "ab", choices: ["a", "b"], gold: 0)]
        let report = try MultipleChoice.evaluate(items, scorer: scorer)
        // Item 1: sums −log16 vs −log128 → acc picks "a"; per character −log16/1 = −2.77 vs −log128/2 = −2.43 → acc_norm picks "bb".
        #expect(report.items[0].predicted == 0 && report.items[0].predictedNormalized == 1)
        #expect(report.accuracy == 0.5 && report.normalizedAccuracy == 1)
        #expect(abs(report.items[0].logLikelihoods[1] + log(128.0)) < 1e-6)
        // The harness's standard error: sample std (ddof 1) / √n = 0.7071 / 1.414 = 0.5.
        #expect(abs(report.accuracyStandardError - 0.5) < 1e-12)
    }

    @Test("a context's trailing space moves to the continuation, as the harness tokenizes")
    func trailingSpace() throws {
        let scorer = TableScorer.fixed
        let split = try MultipleChoice.logLikelihood(context: "ab ", continuation: "a", scorer: scorer)
        let joined = try MultipleChoice.logLikelihood(context: "ab", continuation: " a", scorer: scorer)
        #expect(split == joined)
    }

    @Test("the shipped task reads; malformed lines name the line and what is wrong")
    func taskFiles() throws {
        let shipped = try MultipleChoice.readTask(repositoryRoot.appendingPathComponent("examples/tasks/everyday-sense.jsonl"))
        #expect(shipped.count == 24 && Set(shipped.map(\.gold)).count > 1)
        let dir = try temporaryDirectory()
        func message(_ text: String) -> String {
            let url = dir.appendingPathComponent("task.jsonl")
            try? Data(text.utf8).write(to: url)
            do { _ = try MultipleChoice.readTask(url); return "read" } catch { return "\(error)" }
        }
        #expect(message("{\"context\": \"x\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n\n{\"context\": 1}\n").contains("task.jsonl:3: expected {"))
        #expect(message("{\"context\": \"x\", \"choices\": [\"a\", \"b\"], \"gold\": 2}").contains(":1: gold is 2; expected 0...1"))
        #expect(message("{\"context\": \"x\", \"choices\": [\"a\"], \"gold\": 0}").contains("has 1 choice(s)"))
        #expect(message("\n\n").contains("no questions"))
    }
}
