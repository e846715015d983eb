import Foundation
import LoupeCore

/// Spans in the Trace Event Format (the JSON that Perfetto and chrome://tracing open): one
/// complete ("X") event per span, times in microseconds from the first span's start.
public struct ChromeTrace: Codable, Sendable {
    public var traceEvents: [Event]
    public var displayTimeUnit = "ms"
    /// Free-form facts about the run (model, command, machine), shown by the viewers.
    public var otherData: [String: String]

    public struct Event: Codable, Sendable, Equatable {
        public var name: String
        public var cat: String
        public var ph = "X"
        /// Start and duration, microseconds.
        public var ts: Double
        public var dur: Double
        public var pid = 1
        public var tid = 1
        public var args: [String: Double]?
    }

    /// Events for `spans`, parents before their children (sorted by start, longer first), all on
    /// one thread track so viewers draw nested spans as a flame graph.
    public init(spans: [Span], metadata: [String: String] = [:]) {
        let origin = spans.map(\.start).min() ?? 0
        let sorted = spans.sorted { $0.start != $1.start ? $0.start < $1.start : $0.nanoseconds > $1.nanoseconds }
        traceEvents = sorted.map { span in
            var args = span.args
            if let layer = span.layer { args["layer"] = Double(layer) }
            return Event(name: span.name, cat: span.category, ts: Double(span.start - origin) / 1000, dur: Double(span.nanoseconds) / 1000,
                         args: args.isEmpty ? nil : args)
        }
        otherData = metadata
    }

    /// One track per process (`pid` = its index: the ranks of a data-parallel job), on one time
    /// axis: every process's spans measured from the earliest start of any (the processes share
    /// the monotonic clock on one machine; across machines their tracks are offset by the clocks').
    public init(processes: [[Span]], metadata: [String: String] = [:]) {
        let origin = processes.flatMap { $0.map(\.start) }.min() ?? 0
        traceEvents = processes.enumerated().flatMap { pid, spans in
            ChromeTrace(spans: spans).traceEvents.map { event in
                var event = event
                event.pid = pid
                let start = spans.map(\.start).min() ?? origin
                event.ts += Double(start - origin) / 1000
                return event
            }
        }
        otherData = metadata
    }

    /// The JSON text, written atomically to `url` (its folder is created when missing).
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(LoupeJSON.encoder().encode(self), to: url)
    }
}
