import Foundation
import LoupeDashboard
import LoupeStore
import LoupeTestSupport
import Testing

/// The dashboard as `loupe dashboard` runs it, on a real loopback socket: a live run's event
/// stream announces a new step within 2 s and ends with the run; a port already taken is named.
@Suite("Dashboard live server")
struct LiveTests {
    /// Starts `dashboard` on a free port; returns the port and the server task (cancel to stop).
    static func start(_ dashboard: Dashboard) async throws -> (port: Int, server: Task<Void, Error>) {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task { try await dashboard.run { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return (port, server)
    }

    @Test func aLiveRunsStreamAnnouncesANewStepWithinTwoSeconds() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let recorder = try RunRecorder(store: fixture.store, info: fixture.store.newRun(name: "live", kind: .train, command: "x"), flushInterval: 0)
        recorder.scalar("train/loss", step: 1, value: 2.0)
        let (port, server) = try await Self.start(try Dashboard(store: fixture.store, configuration: .init(port: 0)))
        defer { server.cancel() }

        // The running run's page has the live script, listening to its events.
        let page = try await RawHTTP.onThread { try RawHTTP.get(port: port, path: "/runs/\(recorder.id)") }
        #expect(page.contains("new EventSource(\"/runs/\(recorder.id)/events\")") && page.contains("id=\"live\""))

        let stream = try RawHTTP(port: port, path: "/runs/\(recorder.id)/events")
        defer { stream.close() }
        let opening = try await RawHTTP.onThread { stream.read(until: "\"status\":\"running\"}\n\n", timeout: 5) }
        #expect(opening.contains("200 OK") && opening.contains("text/event-stream") && opening.contains("\"last_step\":1,"))

        let start = Date()
        recorder.scalar("train/loss", step: 2, value: 1.5)
        let next = try await RawHTTP.onThread { stream.read(until: "\"last_step\":2,", timeout: 2) }
        let seconds = Date().timeIntervalSince(start)
        #expect(next.contains("event: progress\ndata: {\"last_step\":2,\"points\":2,\"status\":\"running\"}"))
        #expect(seconds < 2, "the new step was announced after \(seconds) s")

        try recorder.finish(.completed)
        let end = try await RawHTTP.onThread { stream.read(until: "event: end\n", timeout: 2) }
        #expect(end.contains("event: end\ndata: {\"last_step\":2,\"points\":2,\"status\":\"completed\"}"))
    }

    @Test func aPortInUseIsNamed() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let (port, server) = try await Self.start(try Dashboard(store: fixture.store, configuration: .init(port: 0)))
        defer { server.cancel() }
        let second = try Dashboard(store: fixture.store, configuration: .init(port: port))
        await #expect(throws: DashboardError.portInUse(host: "127.0.0.1", port: port)) { try await second.run() }
        #expect(DashboardError.portInUse(host: "127.0.0.1", port: port).description.contains("port \(port) is already in use"))
    }
}

/// A bare HTTP/1.1 client over a POSIX socket: reads a response as it arrives, which an event
/// stream needs (the test clients wait for a whole body).
final class RawHTTP: @unchecked Sendable {
    private let socket: Int32
    private var received = ""

    init(port: Int, path: String) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { Glibc.close(socket); throw POSIXError(.ECONNREFUSED) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(socket, $0, strlen($0), 0) }
    }

    /// What arrived until `needle` did (or `timeout` seconds passed, or the server closed).
    func read(until needle: String, timeout: Double) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !received.contains(needle), Date() < deadline {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(max(deadline.timeIntervalSinceNow, 0) * 1000)) > 0 else { break }
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return received
    }

    func close() { Glibc.close(socket) }

    /// A whole response (the server closes the connection after it).
    static func get(port: Int, path: String) throws -> String {
        let client = try RawHTTP(port: port, path: path)
        defer { client.close() }
        return client.read(until: "</html>\n", timeout: 10)
    }

    /// Runs blocking socket work on its own thread, off the concurrency pool the server needs.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
