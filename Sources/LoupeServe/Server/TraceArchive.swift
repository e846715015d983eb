import Foundation
import LoupeTrace
import Synchronization

/// The traces of served requests, newest kept: `GET /v1/traces/ID` reads them back. Bounded in
/// count (oldest dropped first), as a server runs for weeks.
public final class TraceArchive: Sendable {
    public struct Entry: Sendable {
        public let id: String
        public let trace: Trace
        /// Token id → printable text, for the trace page.
        public let tokenTexts: [Int: String]
        public let created: Date
    }

    public let limit: Int
    private let entries = Mutex<[Entry]>([])
    /// Keeps every trace added in the run store too, when there is one.
    public let recorder: ServedTraceRecorder?

    public init(limit: Int = 64, recorder: ServedTraceRecorder? = nil) {
        self.limit = max(1, limit)
        self.recorder = recorder
    }

    public func add(_ entry: Entry) {
        entries.withLock {
            $0.append(entry)
            if $0.count > limit { $0.removeFirst($0.count - limit) }
        }
        recorder?.record(entry)
    }

    public func entry(_ id: String) -> Entry? { entries.withLock { list in list.last { $0.id == id } } }

    /// Newest first.
    public var all: [Entry] { entries.withLock { $0.reversed() } }
}
