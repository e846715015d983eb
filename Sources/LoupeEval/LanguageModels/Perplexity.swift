import Foundation

/// How a text longer than the context is cut into windows for perplexity.
public enum PerplexityMethod: Sendable, Equatable, CustomStringConvertible {
    /// llama.cpp's `llama-perplexity`: consecutive chunks of `context` tokens, each read from an
    /// empty context with its first token replaced by BOS (when the model adds one), scoring only
    /// the second half of each chunk so every scored token has at least `context/2` tokens before it.
    case chunks(context: Int)
    /// Hugging Face's "perplexity of fixed-length models": windows of `context` tokens starting
    /// every `stride` tokens, each scoring only the tokens no earlier window scored, so every
    /// token after the first is scored once with up to `context − stride` tokens before it.
    case slidingWindow(context: Int, stride: Int)

    public var context: Int {
        switch self { case let .chunks(c), let .slidingWindow(c, _): c }
    }

    public var description: String {
        switch self {
        case let .chunks(c): "chunks of \(c) (llama.cpp)"
        case let .slidingWindow(c, s): "sliding window of \(c), stride \(s)"
        }
    }
}

/// The perplexity of a text under a language model (docs/EVALUATION.md, "Language models").
public struct PerplexityReport: Codable, Sendable, Equatable {
    /// `chunks` or `sliding_window`.
    public var method: String
    public var context: Int
    public var stride: Int?
    /// Tokens of the text (with the BOS the model adds).
    public var tokens: Int
    /// Windows read (chunks for llama.cpp's method).
    public var windows: Int
    /// Tokens whose probability was scored.
    public var scoredTokens: Int
    /// Bytes of text the scored tokens stand for.
    public var scoredBytes: Int
    /// exp(mean negative log-likelihood).
    public var perplexity: Double
    /// llama.cpp's ± : perplexity × the standard error of the mean negative log-likelihood.
    public var perplexityUncertainty: Double
    /// Mean negative log-likelihood per scored token, nats.
    public var meanNegativeLogLikelihood: Double
    /// Σ −log₂ p over the scored tokens ÷ their bytes.
    public var bitsPerByte: Double
    /// The perplexity so far after each window (llama.cpp prints these as `[1]12.34,[2]…`).
    public var runningPerplexity: [Double]
}

/// Perplexity and bits per byte of a text (see ``PerplexityMethod``).
public enum Perplexity {
    /// Scores `text` under `scorer`.
    ///
    /// - Parameters:
    ///   - maxWindows: score at most this many windows (llama.cpp's `--chunks`).
    ///   - progress: called after each window with (done, total).
    /// - Throws: ``EvalError`` for an empty or too short text, a context the model cannot hold or
    ///   a window that does not fit in memory; the scorer's errors.
    public static func evaluate(_ text: String, scorer: LanguageModelScorer, method: PerplexityMethod, maxWindows: Int? = nil,
                                progress: (Int, Int) -> Void = { _, _ in }) throws -> PerplexityReport {
        guard !text.isEmpty else { throw EvalError.empty(what: "text") }
        let tokens = (scorer.beginningOfSequence.map { [$0] } ?? []) + scorer.tokenize(text)
        return try evaluate(tokens: tokens, scorer: scorer, method: method, maxWindows: maxWindows, progress: progress)
    }

    /// Scores a text already tokenized (with its BOS, if any): see ``evaluate(_:scorer:method:maxWindows:progress:)``.
    public static func evaluate(tokens: [Int], scorer: LanguageModelScorer, method: PerplexityMethod, maxWindows: Int? = nil,
                                progress: (Int, Int) -> Void = { _, _ in }) throws -> PerplexityReport {
        let windows = try Self.windows(count: tokens.count, method: method, scorer: scorer, maxWindows: maxWindows)
        try checkWindowFits(rows: method.context, scorers: [scorer], what: "a window of \(method.context) tokens")
        var nll = 0.0, nll2 = 0.0, count = 0, bytes = 0
        var running: [Double] = []
        for (w, window) in windows.enumerated() {
            var input = Array(tokens[window.start..<window.end])
            if case .chunks = method, let bos = scorer.beginningOfSequence { input[0] = bos }
            let logits = try scorer.logits(input)
            let vocabulary = scorer.vocabularySize
            logits.withUnsafeBufferPointer { all in
                // Row r predicts input[r + 1].
                for r in window.firstScoredRow..<(input.count - 1) {
                    let score = TokenScore(UnsafeBufferPointer(rebasing: all[(r * vocabulary)..<((r + 1) * vocabulary)]), target: input[r + 1])
                    nll += score.negativeLogLikelihood
                    nll2 += score.negativeLogLikelihood * score.negativeLogLikelihood
                    count += 1
                    bytes += scorer.byteCount(of: input[r + 1])
                }
            }
            running.append(Foundation.exp(nll / Double(count)))
            progress(w + 1, windows.count)
        }
        let mean = nll / Double(count)
        let variance = nll2 / Double(count) - mean * mean
        let perplexity = Foundation.exp(mean)
        let stride: Int? = if case let .slidingWindow(_, s) = method { s } else { nil }
        return PerplexityReport(
            method: stride == nil ? "chunks" : "sliding_window", context: method.context, stride: stride, tokens: tokens.count,
            windows: windows.count, scoredTokens: count, scoredBytes: bytes, perplexity: perplexity,
            perplexityUncertainty: variance > 0 && count > 1 ? perplexity * (variance / Double(count - 1)).squareRoot() : 0,
            meanNegativeLogLikelihood: mean, bitsPerByte: bytes > 0 ? nll / Foundation.log(2) / Double(bytes) : .nan,
            runningPerplexity: running)
    }

    /// One window: tokens `start..<end` are read; rows from `firstScoredRow` on are scored.
    struct Window: Equatable { let start, end, firstScoredRow: Int }

    /// The windows `method` reads over `count` tokens.
    static func windows(count: Int, method: PerplexityMethod, scorer: LanguageModelScorer, maxWindows: Int?) throws -> [Window] {
        let context = method.context
        guard context >= 2 else { throw EvalError.invalidSetting(what: "the context", value: context, expected: "at least 2 tokens") }
        guard context <= scorer.contextLength else {
            throw EvalError.invalidSetting(what: "the context", value: context, expected: "at most the model's \(scorer.contextLength) tokens")
        }
        if let maxWindows, maxWindows < 1 { throw EvalError.invalidSetting(what: "the number of windows", value: maxWindows, expected: "at least 1") }
        var windows: [Window] = []
        switch method {
        case .chunks:
            // llama.cpp refuses fewer than two chunks' worth of tokens.
            guard count >= 2 * context else { throw EvalError.textTooShort(tokens: count, needed: 2 * context, context: context) }
            for i in 0..<(count / context) {
                windows.append(Window(start: i * context, end: (i + 1) * context, firstScoredRow: context / 2))
            }
        case let .slidingWindow(_, stride):
            guard stride >= 1 && stride <= context else {
                throw EvalError.invalidSetting(what: "the stride", value: stride, expected: "1 ... the context (\(context))")
            }
            guard count >= 2 else { throw EvalError.textTooShort(tokens: count, needed: 2, context: context) }
            var begin = 0, previousEnd = 0
            while true {
                let end = min(begin + context, count)
                // Row r predicts token begin + r + 1; those before previousEnd were scored already.
                windows.append(Window(start: begin, end: end, firstScoredRow: max(0, previousEnd - begin - 1)))
                previousEnd = end
                if end == count { break }
                begin += stride
            }
        }
        if let maxWindows { windows = Array(windows.prefix(maxWindows)) }
        return windows
    }
}
