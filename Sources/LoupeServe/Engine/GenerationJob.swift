import Foundation
import LoupeLLM
import LoupeTrace
import Synchronization

/// One request's generation as the engine runs it: the prompt, the options, what to record, and
/// the stream of events its HTTP handler reads. Cancelling (the client left, the handler's task
/// was cancelled) frees the slot at the next step.
public final class GenerationJob: Sendable {
    /// What happens to a job, in order: tokens, then one `finished` or `failed`.
    public enum Event: Sendable {
        case token(GeneratedToken, TokenInsight?)
        case finished(Summary)
        case failed(APIError)
    }

    /// How a job ended.
    public struct Summary: Sendable {
        public var stopReason: StopReason
        /// Text held back until the end (an incomplete character, a stop-string prefix ruled out).
        public var tail: String
        public var text: String
        public var promptTokens: Int
        public var completionTokens: Int
        /// The request ran out of time (`--timeout`) and was cut; its finish reason is "length".
        public var timedOut: Bool
        public var traceID: String?
    }

    public let id: String
    public let prompt: [Int]
    public let options: GenerationOptions
    /// Record the tracer's cycles (nil: no trace).
    public let trace: TraceCapture?
    /// Attach each token's rank, entropy and alternatives to its event.
    public let insight: Bool
    public let deadline: ContinuousClock.Instant
    public let submitted = ContinuousClock.now
    public let events: AsyncStream<Event>
    let continuation: AsyncStream<Event>.Continuation
    private let cancelled = Mutex(false)

    public init(id: String, prompt: [Int], options: GenerationOptions, trace: TraceCapture? = nil, insight: Bool = false,
                timeout: Duration = .seconds(300)) {
        (self.id, self.prompt, self.options, self.trace, self.insight) = (id, prompt, options, trace, insight)
        deadline = .now + timeout
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
    }

    /// Stops the job at the next step (its slot is freed).
    public func cancel() { cancelled.withLock { $0 = true } }
    public var isCancelled: Bool { cancelled.withLock { $0 } }
}

/// A look at one generated token (sent in a stream's chunks when a request asks Loupe to look
/// inside): its rank among all tokens, the distribution's entropy, the likeliest alternatives.
public struct TokenInsight: Encodable, Sendable {
    public struct Alternative: Encodable, Sendable {
        public var token: String
        public var probability: Double
    }

    public var rank: Int
    public var entropy: Double
    public var top: [Alternative]

    init(rank: Int, entropy: Double, top: [Alternative]) { (self.rank, self.entropy, self.top) = (rank, entropy, top) }

    /// The insight of choosing `id` from `logits`.
    init(logits: ArraySlice<Float>, chosen id: Int, tokenizer: BPETokenizer, top k: Int = 5) {
        let summary = LogitSummary(logits, top: k)
        let chosen = logits[logits.startIndex + id]
        rank = logits.reduce(0) { $1 > chosen ? $0 + 1 : $0 }
        entropy = summary.entropy
        top = summary.top.map { Alternative(token: tokenizer.displayPiece($0.id), probability: Foundation.exp($0.logprob)) }
    }
}
