import Foundation
import LoupeCore
import LoupeGGUF
import LoupeLLM

/// What a language-model evaluation needs from a model: its tokenizer and the logits of every
/// position of a sequence read from an empty context. ``Perplexity``, ``KLDivergence`` and
/// ``MultipleChoice`` score through it; ``LlamaScorer`` is the GGUF model's, and a test can supply
/// a table of known probabilities.
public protocol LanguageModelScorer: AnyObject {
    /// The number of token ids (the width of a row of logits).
    var vocabularySize: Int { get }
    /// The most tokens one call of ``logits(_:)`` may be given.
    var contextLength: Int { get }
    /// The token a sequence starts with when the model wants one (GGUF `add_bos_token`), else nil.
    var beginningOfSequence: Int? { get }
    /// The ids of `text`, without a beginning-of-sequence token.
    func tokenize(_ text: String) -> [Int]
    /// How many bytes of text token `id` stands for (bits per byte divide by these).
    func byteCount(of id: Int) -> Int
    /// The logits of every position of `tokens` read from an empty context: [tokens, vocabulary]
    /// flattened, row i predicting the token after `tokens[i]`.
    func logits(_ tokens: [Int]) throws -> [Float]
}

/// A GGUF Llama model (``LlamaModel``) with its tokenizer, as a ``LanguageModelScorer``.
public final class LlamaScorer: LanguageModelScorer {
    public let context: LlamaContext
    public let tokenizer: BPETokenizer
    public let beginningOfSequence: Int?

    /// - Parameters:
    ///   - contextLength: the longest sequence scored at once (default: the model's training context).
    ///   - addsBeginningOfSequence: whether sequences start with BOS; default: the file's
    ///     `tokenizer.ggml.add_bos_token` (true when absent, as llama.cpp assumes for Llama models).
    public init(model: LlamaModel, tokenizer: BPETokenizer, contextLength: Int? = nil, addsBeginningOfSequence: Bool? = nil) {
        context = LlamaContext(model: model, contextLength: contextLength)
        self.tokenizer = tokenizer
        var adds = addsBeginningOfSequence ?? true
        if addsBeginningOfSequence == nil, case let .bool(value)? = model.file["tokenizer.ggml.add_bos_token"] { adds = value }
        beginningOfSequence = adds ? tokenizer.bos : nil
    }

    public var vocabularySize: Int { context.model.config.vocabulary }
    public var contextLength: Int { context.contextLength }
    // Plain text: a "<|im_start|>" in it is text, as llama.cpp's perplexity tool reads it.
    public func tokenize(_ text: String) -> [Int] { tokenizer.encode(text, parseSpecial: false) }
    public func byteCount(of id: Int) -> Int { tokenizer.bytes(of: id).count }

    public func logits(_ tokens: [Int]) throws -> [Float] {
        context.reset()
        defer { context.reset() }
        return try context.evaluate(tokens, logits: .all)
    }
}

/// The scoring of one row of logits against the token that followed, as llama.cpp's perplexity
/// tool computes it: the maximum in float, Σ exp(logit − max) in double.
struct TokenScore {
    /// −log p(target).
    let negativeLogLikelihood: Double
    /// log Σ exp(logits), for the log-probability of any other id.
    let logSumExp: Double
    /// The most likely id (the lower on a tie).
    let top: Int

    init(_ row: UnsafeBufferPointer<Float>, target: Int) {
        var maximum = row[0], top = 0
        for i in 1..<row.count where row[i] > maximum { (maximum, top) = (row[i], i) }
        var sum = 0.0
        for x in row { sum += Double(Foundation.exp(x - maximum)) }
        logSumExp = Double(maximum) + Foundation.log(sum)
        negativeLogLikelihood = logSumExp - Double(row[target])
        self.top = top
    }
}

/// Checks that a window of `rows` positions fits in memory before it is scored: its logits
/// (rows × vocabulary floats, twice for a comparison with a base model) and the KV cache.
func checkWindowFits(rows: Int, scorers: [LanguageModelScorer], what: String) throws {
    var bytes: Int? = 0
    for scorer in scorers {
        bytes = SizePolicy.sum([bytes, SizePolicy.product([rows, scorer.vocabularySize, MemoryLayout<Float>.size])])
        if let llama = scorer as? LlamaScorer {
            let c = llama.context.model.config
            bytes = SizePolicy.sum([bytes, SizePolicy.product([2, c.layers, c.kvHeads * c.headDim, rows, MemoryLayout<Float>.size])])
        }
    }
    do { try SizePolicy.check(bytes: bytes, for: what) } catch { throw EvalError.tooLarge(error) }
}
