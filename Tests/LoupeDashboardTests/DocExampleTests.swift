import Foundation
import LoupeDashboard
import LoupeStore
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeDashboard, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func dashboardExample() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let store = fixture.store
        // example: Dashboard
        let dashboard = try Dashboard(store: store, configuration: .init(port: 0))
        let server = Task { try await dashboard.run { port in print(dashboard.url(port: port)) } }
        // … it serves until the task is cancelled:
        server.cancel()
        // end example
        // Cancelling stops it without an error.
        await #expect(throws: Never.self) { try await server.value }
        #expect(dashboard.url(port: 7788) == "http://127.0.0.1:7788/")
        let guarded = try Dashboard(store: store, configuration: .init(host: "::1", token: "0123456789abcdef"))
        #expect(guarded.url(port: 80) == "http://[::1]:80/?token=0123456789abcdef")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeDashboard/Dashboard.swift", markedAs: "Dashboard", in: #filePath) == nil)
    }
}
