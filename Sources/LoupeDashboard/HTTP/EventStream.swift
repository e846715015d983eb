import Foundation
import Hummingbird
import LoupeReport
import LoupeStore
import Synchronization

/// `GET /runs/{id}/events`: server-sent events (`text/event-stream`) for a live run's page.
///
/// The server polls the store every `interval` (a read of two primary keys) and sends a
/// `progress` event — `{"status", "last_step", "points"}` — at once and whenever the run's newest
/// step, point count or status changes; an `end` event when the run is no longer `running`, and
/// then closes the stream. After `heartbeat` of quiet it checks whether the recording process
/// died (``RunStore/detectCrashes(staleAfter:)``) and sends a comment line, which finds a client
/// that left (the write fails and the stream ends). At most ``StreamSlots/limit`` streams run at once; the
/// one past that is answered 503.
struct EventStream {
    let store: RunStore
    let id: String
    let interval: Duration
    let heartbeat: Duration

    /// What a `progress` or `end` event carries, in Loupe's JSON policy.
    struct Payload: Encodable {
        let status: String
        let lastStep: Int?
        let points: Int

        enum CodingKeys: String, CodingKey {
            case status, lastStep = "last_step", points
        }
    }

    /// The streaming body; `lease` is held until the body is done with, then frees its slot.
    func body(holding lease: StreamSlots.Lease) -> ResponseBody {
        let (store, id, interval, heartbeat) = (store, id, interval, heartbeat)
        return ResponseBody { writer in
            var sent: RunProgress?
            var quiet = Duration.zero
            while true {
                let progress = try withExtendedLifetime(lease) { try store.progress(id) }
                if progress != sent {
                    try await writer.write(Self.event("progress", progress))
                    (sent, quiet) = (progress, .zero)
                } else if quiet >= heartbeat {
                    // Quiet this long, the recording process may be gone: mark it crashed if so,
                    // which the next poll reports and ends the stream with.
                    try store.detectCrashes()
                    try await writer.write(ByteBuffer(string: ": still running\n\n"))
                    quiet = .zero
                }
                if progress.status != .running {
                    try await writer.write(Self.event("end", progress))
                    break
                }
                try await Task.sleep(for: interval)
                quiet += interval
            }
            try await writer.finish(nil)
        }
    }

    static func event(_ name: String, _ progress: RunProgress) throws -> ByteBuffer {
        let payload = Payload(status: progress.status.rawValue, lastStep: progress.lastStep, points: progress.points)
        let json = String(decoding: try LoupeJSON.encoder().encode(payload), as: UTF8.self)
        return ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n")
    }

    static var headers: HTTPFields {
        var headers = HTMLResponse.headers(contentType: "text/event-stream; charset=utf-8")
        headers[.cacheControl] = "no-cache"
        return headers
    }
}

/// Counts the event streams open at once against a limit (each holds a connection and polls the
/// store), so a page left open in many tabs, or a client opening streams in a loop, cannot take
/// the server down.
final class StreamSlots: Sendable {
    let limit: Int
    private let open = Mutex(0)

    init(limit: Int) { self.limit = limit }

    /// A slot while the lease lives; nil when all are taken.
    func acquire() -> Lease? {
        let granted = open.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
        return granted ? Lease(slots: self) : nil
    }

    /// One stream's slot, freed when the lease is released by whatever held it last (the
    /// response body, once written or abandoned).
    final class Lease: Sendable {
        let slots: StreamSlots

        init(slots: StreamSlots) { self.slots = slots }

        deinit { slots.open.withLock { $0 -= 1 } }
    }
}
