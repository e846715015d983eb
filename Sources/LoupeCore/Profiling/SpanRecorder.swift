#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One timed interval: an op, a layer, a module's forward or backward pass.
public struct Span: Sendable, Equatable, Codable {
    public var name: String
    /// What kind of interval it is ("cycle", "layer", "op", "forward", "backward", …); Chrome
    /// traces show it as the event's category.
    public var category: String
    /// Monotonic clock, nanoseconds.
    public var start: UInt64
    public var end: UInt64
    /// The transformer block or layer index it belongs to, when there is one.
    public var layer: Int?
    /// Figures a viewer shows with the span (e.g. the milliseconds of the ops folded into it).
    public var args: [String: Double] = [:]

    public init(name: String, category: String, start: UInt64, end: UInt64, layer: Int? = nil) {
        self.name = name
        self.category = category
        self.start = start
        self.end = end
        self.layer = layer
    }

    public var nanoseconds: UInt64 { end &- start }
}

/// Collects ``Span``s while it is installed on a thread (``Profiler/record(_:)``). Code that wants
/// to be profiled asks ``Profiler/current`` once and, when it is non-nil, wraps its work in
/// ``measure(_:category:layer:_:)``; with no recorder installed it costs one thread-local read.
public final class SpanRecorder {
    public private(set) var spans: [Span] = []

    public init() {}

    /// The monotonic clock in nanoseconds.
    @inline(__always)
    public static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// Runs `body` and records how long it took.
    @inline(__always)
    public func measure<R>(_ name: String, category: String, layer: Int? = nil, _ body: () throws -> R) rethrows -> R {
        let start = Self.now()
        defer { spans.append(Span(name: name, category: category, start: start, end: Self.now(), layer: layer)) }
        return try body()
    }

    /// Records a span measured by the caller.
    public func append(_ span: Span) { spans.append(span) }

    /// Forgets every span.
    public func removeAll() { spans.removeAll(keepingCapacity: true) }
}

/// The per-thread profiler switch: ``record(_:)`` installs a ``SpanRecorder`` for the duration
/// of a closure; modules (forward), the autograd backward pass and the LLM runtime (per layer and
/// op) record into it.
public enum Profiler {
    /// The recorder installed on this thread, if any.
    public static var current: SpanRecorder? { ThreadState.current.spanRecorder }

    /// Runs `body` with `recorder` installed on this thread (nested calls install the inner one).
    @discardableResult
    public static func record<R>(into recorder: SpanRecorder, _ body: () throws -> R) rethrows -> R {
        let state = ThreadState.current
        let previous = state.spanRecorder
        state.spanRecorder = recorder
        defer { state.spanRecorder = previous }
        return try body()
    }

    /// Runs `body` as a span of the installed recorder, or just runs it when none is.
    @inline(__always)
    public static func measure<R>(_ name: String, category: String, _ body: () throws -> R) rethrows -> R {
        guard let recorder = current else { return try body() }
        return try recorder.measure(name, category: category, body)
    }
}
