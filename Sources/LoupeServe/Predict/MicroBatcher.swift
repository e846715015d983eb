import Foundation
import LoupeCore

/// Gathers concurrent predict requests into batches: the first request waiting starts a batch,
/// which takes whatever else arrives within `maxWait` up to `maxBatch` examples, then runs once
/// on the batcher's thread. Under load the model sees batches near `maxBatch`, so throughput
/// approaches the batch throughput `loupe eval` measures; alone, a request waits at most `maxWait`.
public final class MicroBatcher: @unchecked Sendable {
    public struct Result: Sendable {
        public let outputs: [[Float]]
        /// Examples in the batch this request ran in.
        public let batchSize: Int
        /// Time in the model (the batch's forward pass).
        public let modelSeconds: Double
    }

    private struct Pending {
        let examples: [[Float]]
        let reply: CheckedContinuation<Result, Error>
    }

    public let maxBatch: Int
    public let maxWait: Duration
    private let run: ([[Float]]) throws -> [[Float]]
    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var stopping = false
    private var started = false

    public init(maxBatch: Int, maxWait: Duration, run: @escaping ([[Float]]) throws -> [[Float]]) {
        (self.maxBatch, self.maxWait, self.run) = (max(1, maxBatch), maxWait, run)
    }

    /// The outputs for `examples`, run in some batch.
    public func predict(_ examples: [[Float]]) async throws -> Result {
        startIfNeeded()
        return try await withCheckedThrowingContinuation { reply in
            condition.withLock {
                pending.append(Pending(examples: examples, reply: reply))
                condition.signal()
            }
        }
    }

    /// Ends the thread once the pending requests are answered.
    public func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    private func startIfNeeded() {
        condition.withLock {
            guard !started else { return }
            started = true
            let thread = Thread { [self] in loop() }
            thread.name = "loupe-batcher"
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty && stopping { condition.unlock(); return }
            // A batch opened: wait for company until the deadline or a full batch.
            let deadline = Date().addingTimeInterval(maxWait / .seconds(1))
            while pending.reduce(0, { $0 + $1.examples.count }) < maxBatch && !stopping {
                if !condition.wait(until: deadline) { break }
            }
            var batch: [Pending] = []
            var count = 0
            while let next = pending.first, batch.isEmpty || count + next.examples.count <= maxBatch {
                batch.append(pending.removeFirst())
                count += next.examples.count
            }
            condition.unlock()

            let start = ContinuousClock.now
            do {
                let outputs = try run(batch.flatMap(\.examples))
                let seconds = (ContinuousClock.now - start) / .seconds(1)
                var offset = 0
                for request in batch {
                    let rows = Array(outputs[offset..<(offset + request.examples.count)])
                    offset += request.examples.count
                    request.reply.resume(returning: Result(outputs: rows, batchSize: count, modelSeconds: seconds))
                }
            } catch {
                for request in batch { request.reply.resume(throwing: error) }
            }
        }
    }
}
