import Foundation

/// What to generate and when to stop.
public struct GenerationOptions: Sendable {
    public var maxTokens = 128
    public var sampling = SamplingOptions()
    /// Generation stops when the text contains one of these (the stop string is not returned).
    public var stopStrings: [String] = []
    /// Stop on the model's end-of-generation tokens (the token is recorded, its text is not shown).
    public var stopAtEndOfGeneration = true
    /// How many alternatives to record per step (with their log-probabilities).
    public var topLogprobs = 0
    /// Teacher forcing: these tokens are emitted in order instead of sampled ones (each with its
    /// log-probability under the model), so that two models can be compared on one continuation;
    /// once they run out, generation goes on sampling.
    public var forcedTokens: [Int] = []

    public init() {}
}

/// One generated token.
public struct GeneratedToken: Sendable {
    public let id: Int
    /// Text this token makes printable now (UTF-8 held back across tokens, stop-string prefixes
    /// held back until they are ruled out); empty for end-of-generation tokens.
    public let text: String
    /// log p(id) under the model's plain softmax (no sampler), like llama.cpp's `n_probs`.
    public let logprob: Double
    /// The most likely alternatives, when ``GenerationOptions/topLogprobs`` > 0.
    public let top: [(id: Int, logprob: Double)]
}

/// Why generation ended.
public enum StopReason: String, Sendable {
    case endOfGeneration = "eos", stopString = "stop", maxTokens = "limit", contextFull = "context"
}

/// The whole result of ``TextGenerator/generate(prompt:options:onToken:)``.
public struct Generation: Sendable {
    public var promptTokens: [Int]
    public var tokens: [GeneratedToken] = []
    public var text = ""
    public var stopReason = StopReason.maxTokens
    public var promptSeconds = 0.0
    public var generationSeconds = 0.0
    public init(promptTokens: [Int]) { self.promptTokens = promptTokens }

    /// Generated tokens per second, counting from the first sampled token.
    public var tokensPerSecond: Double { tokens.count > 1 ? Double(tokens.count - 1) / generationSeconds : 0 }
}

/// Generates text from a prompt with a ``LlamaContext``: evaluates the prompt in one batch, then
/// samples one token at a time, streaming each token's text to a callback.
public final class TextGenerator {
    public let context: LlamaContext
    public let tokenizer: BPETokenizer

    public init(context: LlamaContext, tokenizer: BPETokenizer) {
        self.context = context
        self.tokenizer = tokenizer
    }

    /// Continues the context with `prompt` (ids) and generates. `onToken` sees each token as it
    /// is produced; returning false stops generation.
    @discardableResult
    public func generate(prompt: [Int], options: GenerationOptions, onToken: (GeneratedToken) throws -> Bool = { _ in true }) throws -> Generation {
        var state = GenerationState(prompt: prompt, options: options, tokenizer: tokenizer)
        guard options.maxTokens > 0 else { return state.result }
        guard !prompt.isEmpty else { throw LLMError(message: "generate: the prompt has no tokens") }
        let promptStart = Date()
        var logits = try context.evaluate(prompt)
        state.result.promptSeconds = Date().timeIntervalSince(promptStart)
        let start = Date()
        while true {
            let token = state.next(logits[...])
            if try !onToken(token) { break }
            if state.isFinished { break }
            if context.position >= context.contextLength { state.stop(.contextFull); break }
            logits = try context.evaluate([token.id])
        }
        _ = state.finish()
        state.result.generationSeconds = Date().timeIntervalSince(start)
        return state.result
    }

    /// The length (in characters) of the longest suffix of `text` that is a proper prefix of a
    /// stop string.
    static func heldBack(_ text: String, stopStrings: [String]) -> Int {
        var longest = 0
        for stop in stopStrings where !stop.isEmpty {
            for n in stride(from: min(stop.count - 1, text.count), to: longest, by: -1) where text.hasSuffix(stop.prefix(n)) {
                longest = n
                break
            }
        }
        return longest
    }
}

/// The token-by-token side of generation, apart from the forward pass: sampling, end-of-generation
/// and stop strings, streaming text (UTF-8 and stop-string prefixes held back) and the result.
/// ``TextGenerator`` drives one with its context; a server drives one per conversation from a
/// batched decode step.
public struct GenerationState {
    public let options: GenerationOptions
    public let tokenizer: BPETokenizer
    /// What has been generated so far (its text is complete after ``finish()``).
    public var result: Generation
    /// Whether generation has ended (end of generation, stop string or `maxTokens`).
    public private(set) var isFinished: Bool
    private var sampler: Sampler
    private var decoder: StreamingDecoder
    private var history: [Int]
    private let stops: Set<Int>
    private var shown = ""        // text already handed out
    private var pending = ""      // decoded text held back as a possible stop-string prefix

    public init(prompt: [Int], options: GenerationOptions, tokenizer: BPETokenizer) {
        self.options = options
        self.tokenizer = tokenizer
        result = Generation(promptTokens: prompt)
        isFinished = options.maxTokens <= 0
        sampler = Sampler(options.sampling)
        decoder = StreamingDecoder(tokenizer: tokenizer)
        history = prompt
        stops = options.stopAtEndOfGeneration ? Set(tokenizer.endOfGeneration) : []
    }

    /// Samples the next token from `logits` [vocabulary] and records it; the token's `text` is what
    /// it makes printable now.
    public mutating func next(_ logits: ArraySlice<Float>) -> GeneratedToken {
        // A forced id outside the vocabulary (a caller's mistake) is not forced.
        let forced = result.tokens.count < options.forcedTokens.count ? options.forcedTokens[result.tokens.count] : nil
        let id = forced.flatMap { (0..<logits.count).contains($0) ? $0 : nil } ?? sampler.next(logits, history: history)
        let probabilities = LogProbabilities(logits)
        let top = options.topLogprobs > 0 ? probabilities.top(options.topLogprobs) : []
        history.append(id)
        if stops.contains(id) {
            let token = GeneratedToken(id: id, text: "", logprob: probabilities[id], top: top)
            result.tokens.append(token)
            stop(.endOfGeneration)
            return token
        }
        pending += decoder.append(id)
        var stopped = false
        if let hit = options.stopStrings.compactMap({ s in pending.range(of: s).map { (s, $0) } }).min(by: { $0.1.lowerBound < $1.1.lowerBound }) {
            pending = String(pending[..<hit.1.lowerBound])
            stopped = true
        }
        // Hold back the longest tail that could still grow into a stop string.
        let hold = stopped ? 0 : TextGenerator.heldBack(pending, stopStrings: options.stopStrings)
        let ready = String(pending.dropLast(hold))
        pending = String(pending.suffix(hold))
        shown += ready
        let token = GeneratedToken(id: id, text: ready, logprob: probabilities[id], top: top)
        result.tokens.append(token)
        if stopped {
            stop(.stopString)
        } else if result.tokens.count >= options.maxTokens {
            stop(.maxTokens)
        }
        return token
    }

    /// Ends generation for `reason` (the context is full, the caller stopped it).
    public mutating func stop(_ reason: StopReason) {
        guard !isFinished else { return }
        result.stopReason = reason
        isFinished = true
    }

    /// Completes the text: the held-back tail (unless a stop string cut it) and any incomplete
    /// UTF-8 at the end. Returns that tail, the text not yet handed out.
    public mutating func finish() -> String {
        var tail = ""
        if result.stopReason != .stopString { tail = pending + decoder.finish() }
        pending = ""
        shown += tail
        result.text = shown
        return tail
    }
}
