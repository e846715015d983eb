import Foundation
import LoupeCore
import LoupeLLM
import LoupeTrace
import Synchronization

/// Runs the requests of an LLM server: `slots` conversations at once, each with its own KV cache,
/// and a bounded queue for the rest.
///
/// One engine thread owns the model. Each turn of its loop admits queued jobs into free slots
/// (evaluating their prompts), then decodes one token for every active slot in a single batched
/// forward pass (``LlamaContext/decode(_:)``: continuous batching), samples each slot's token
/// with its own sampler, and sends it to the job's event stream. A job that finishes, runs out of
/// time or is cancelled frees its slot for the next in the queue at the next turn.
///
/// A traced job runs its whole generation under the tracer on its own (hooks hear one
/// conversation at a time): the other slots wait for it, which the trace's timings show.
public final class GenerationEngine: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Conversations decoded together (`--parallel`).
        public var slots: Int
        /// Requests that may wait for a slot; one more is refused with 503.
        public var queueLimit: Int
        /// Positions each slot's KV cache holds (prompt and generated tokens).
        public var contextLength: Int
        public var threads: Int

        public init(slots: Int = 4, queueLimit: Int = 64, contextLength: Int = 2048, threads: Int = Engine.threads) {
            (self.slots, self.queueLimit, self.contextLength, self.threads) = (max(1, slots), max(0, queueLimit), contextLength, threads)
        }
    }

    public let model: LlamaModel
    public let tokenizer: BPETokenizer
    public let modelName: String
    public let configuration: Configuration
    public let metrics: ServeMetrics
    public let traces: TraceArchive

    /// One conversation's place: its context, and the job it runs.
    private final class Slot {
        let context: LlamaContext
        var job: GenerationJob?
        var state: GenerationState?
        /// The token to evaluate at the next step.
        var next = 0
        var sawFirstToken = false

        init(context: LlamaContext) { self.context = context }
    }

    private let condition = NSCondition()
    private var queue: [GenerationJob] = []
    private var busy = 0
    private var stopping = false
    private var thread: Thread?
    private let finished = NSCondition()
    private var exited = false
    private let slots: [Slot]

    public init(model: LlamaModel, tokenizer: BPETokenizer, modelName: String, configuration: Configuration = .init(),
                metrics: ServeMetrics? = nil, traces: TraceArchive = TraceArchive()) {
        (self.model, self.tokenizer, self.modelName, self.configuration) = (model, tokenizer, modelName, configuration)
        self.metrics = metrics ?? ServeMetrics()
        self.metrics.slots.set(to: Double(configuration.slots))
        self.traces = traces
        let length = min(configuration.contextLength, model.config.context)
        slots = (0..<configuration.slots).map { _ in
            Slot(context: LlamaContext(model: model, contextLength: length, threads: configuration.threads))
        }
    }

    /// Positions a slot holds: a prompt plus its `max_tokens` must fit.
    public var contextLength: Int { slots[0].context.contextLength }

    /// Starts the engine thread (once).
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard thread == nil else { return }
        let thread = Thread { [self] in
            loop()
            finished.lock()
            exited = true
            finished.broadcast()
            finished.unlock()
        }
        thread.name = "loupe-engine"
        thread.stackSize = 16 << 20
        self.thread = thread
        thread.start()
    }

    /// Queues `job`; its events arrive on `job.events`.
    ///
    /// - Throws: 503 with a retry hint when the queue is full or the engine is stopping.
    public func submit(_ job: GenerationJob) throws(APIError) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else {
            throw APIError(status: 503, message: "the server is shutting down; retry on another instance", type: "server_error", code: "shutting_down")
        }
        let free = slots.count - busy
        guard queue.count < configuration.queueLimit + max(0, free) else {
            metrics.rejected.increment()
            throw APIError(status: 503, message: "all \(slots.count) slots are busy and \(queue.count) requests are waiting; retry shortly",
                           type: "server_error", code: "queue_full")
        }
        queue.append(job)
        metrics.queueDepth.set(to: Double(queue.count))
        condition.signal()
    }

    /// Requests waiting for a slot, and slots generating.
    public var load: (queued: Int, busy: Int) { condition.withLock { (queue.count, busy) } }

    /// Stops taking jobs, lets the queued and running ones finish, and returns when the engine
    /// thread has ended (or after `deadline`, cancelling what is left).
    public func drain(deadline: Duration) async {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        let start = ContinuousClock.now
        while !(finished.withLock { exited }) && thread != nil {
            if ContinuousClock.now - start > deadline {
                condition.withLock {
                    queue.forEach { $0.cancel() }
                    slots.forEach { $0.job?.cancel() }
                }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        traces.recorder?.flush()
    }

    // MARK: The loop

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && busy == 0 && !stopping { condition.wait() }
            if stopping && queue.isEmpty && busy == 0 {
                condition.unlock()
                return
            }
            var admitted: [Slot] = []
            for slot in slots where slot.job == nil && !queue.isEmpty {
                slot.job = queue.removeFirst()
                busy += 1
                admitted.append(slot)
            }
            metrics.queueDepth.set(to: Double(queue.count))
            metrics.busySlots.set(to: Double(busy))
            condition.unlock()

            for slot in admitted { begin(slot) }
            step()
            if condition.withLock({ busy == 0 }) { metrics.idle() }
        }
    }

    /// Evaluates a newly admitted job's prompt and samples its first token (or runs it whole
    /// under the tracer).
    private func begin(_ slot: Slot) {
        guard let job = slot.job else { return }
        guard !job.isCancelled else { return release(slot) }
        guard ContinuousClock.now < job.deadline else {
            return fail(slot, APIError(status: 503, message: "the request waited its whole time limit for a slot; retry when the server is less busy",
                                       type: "server_error", code: "timeout"))
        }
        if let capture = job.trace { return runTraced(slot, job, capture: capture) }
        slot.context.reset()
        slot.sawFirstToken = false
        do {
            let logits = try slot.context.evaluate(job.prompt)
            metrics.promptTokens.increment(by: Int64(job.prompt.count))
            slot.state = GenerationState(prompt: job.prompt, options: job.options, tokenizer: tokenizer)
            accept(slot, logits[...])
        } catch {
            fail(slot, error)
        }
    }

    /// One batched decode step for every active slot.
    private func step() {
        var active: [Slot] = []
        let now = ContinuousClock.now
        for slot in slots {
            guard let job = slot.job, slot.state != nil else { continue }
            if job.isCancelled {
                release(slot)
            } else if now >= job.deadline {
                slot.state?.stop(.maxTokens)
                complete(slot, timedOut: true)
            } else {
                active.append(slot)
            }
        }
        guard !active.isEmpty else { return }
        do {
            let logits = try LlamaContext.decode(active.map { ($0.context, $0.next) })
            for (slot, row) in zip(active, logits) { accept(slot, row[...]) }
        } catch {
            for slot in active { fail(slot, error) }
        }
    }

    /// Samples a slot's next token from `logits`, sends it, and completes the job if it is done.
    private func accept(_ slot: Slot, _ logits: ArraySlice<Float>) {
        guard let job = slot.job, var state = slot.state else { return }
        let token = state.next(logits)
        let insight = job.insight ? TokenInsight(logits: logits, chosen: token.id, tokenizer: tokenizer) : nil
        if !slot.sawFirstToken {
            slot.sawFirstToken = true
            metrics.timeToFirstToken.record(ContinuousClock.now - job.submitted)
        }
        metrics.generated(1)
        job.continuation.yield(.token(token, insight))
        if !state.isFinished && slot.context.position >= slot.context.contextLength { state.stop(.contextFull) }
        slot.state = state
        slot.next = token.id
        if state.isFinished { complete(slot, timedOut: false) }
    }

    private func complete(_ slot: Slot, timedOut: Bool, traceID: String? = nil) {
        guard let job = slot.job, var state = slot.state else { return release(slot) }
        let tail = state.finish()
        let result = state.result
        metrics.requestDuration.record(ContinuousClock.now - job.submitted)
        release(slot, last: .finished(.init(stopReason: result.stopReason, tail: tail, text: result.text,
                                            promptTokens: job.prompt.count, completionTokens: result.tokens.count,
                                            timedOut: timedOut, traceID: traceID)))
    }

    private func fail(_ slot: Slot, _ error: Error) {
        let apiError = error as? APIError ?? APIError(status: 500, message: "generation failed: \(error)", type: "server_error")
        release(slot, last: .failed(apiError))
    }

    /// Frees a slot, then ends its job's stream with `last`: whoever reads the end finds the slot
    /// free already.
    private func release(_ slot: Slot, last: GenerationJob.Event? = nil) {
        let job = slot.job
        slot.state = nil
        condition.withLock {
            if slot.job != nil { busy -= 1 }
            slot.job = nil
            metrics.busySlots.set(to: Double(busy))
        }
        if let last { job?.continuation.yield(last) }
        job?.continuation.finish()
    }

    /// A traced job: the whole generation under the tracer, alone, streaming as it goes.
    private func runTraced(_ slot: Slot, _ job: GenerationJob, capture: TraceCapture) {
        let tracer = InferenceTracer(generator: TextGenerator(context: slot.context, tokenizer: tokenizer), capture: capture)
        var timedOut = false
        var streamed = ""
        do {
            var first = true
            let trace = try tracer.trace(prompt: job.prompt, options: job.options, modelName: modelName) { token, cycle in
                if first {
                    first = false
                    metrics.timeToFirstToken.record(ContinuousClock.now - job.submitted)
                }
                metrics.generated(1)
                let insight = TokenInsight(rank: cycle.chosenRank ?? 0, entropy: cycle.entropy,
                                           top: cycle.top.prefix(5).map { .init(token: $0.text, probability: $0.probability) })
                job.continuation.yield(.token(token, insight))
                streamed += token.text
                if ContinuousClock.now >= job.deadline { timedOut = true }
                return !job.isCancelled && !timedOut
            }
            metrics.promptTokens.increment(by: Int64(job.prompt.count))
            let id = "trace-" + job.id
            var texts: [Int: String] = [:]
            for id in trace.promptTokens + trace.cycles.compactMap(\.chosen?.id) { texts[id] = tokenizer.displayPiece(id) }
            traces.add(.init(id: id, trace: trace, tokenTexts: texts, created: Date()))
            guard !job.isCancelled else { return release(slot) }
            let generation = tracer.generation ?? Generation(promptTokens: job.prompt)
            // The text held back to the end, which the tokens' own text did not carry.
            let tail = generation.text.hasPrefix(streamed) ? String(generation.text.dropFirst(streamed.count)) : ""
            metrics.requestDuration.record(ContinuousClock.now - job.submitted)
            release(slot, last: .finished(.init(stopReason: timedOut ? .maxTokens : generation.stopReason, tail: tail,
                                                text: generation.text, promptTokens: job.prompt.count,
                                                completionTokens: generation.tokens.count, timedOut: timedOut, traceID: id)))
        } catch {
            fail(slot, error)
        }
    }
}
