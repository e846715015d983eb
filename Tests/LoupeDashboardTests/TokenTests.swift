import Foundation
import Hummingbird
import HummingbirdTesting
import LoupeDashboard
import LoupeStore
import Testing
import LoupeHTTP

/// With a token, every request must carry it: as a bearer header, as `?token=` (which sets the
/// cookie), or as that cookie; anything else is 401. Without one, only loopback is allowed.
@Suite("Dashboard access token")
struct TokenTests {
    static let token = "0123456789abcdef0123456789abcdef"

    @Test func everyRequestNeedsTheToken() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let app = try Dashboard(store: fixture.store, configuration: .init(host: "0.0.0.0", token: Self.token)).application()
        try await app.test(.router) { client in
            for uri in ["/", "/health", "/runs/\(fixture.a)", "/runs/\(fixture.a)/artifacts/0", "/nowhere"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .unauthorized && response.headers[.wwwAuthenticate] == "Bearer", "\(uri)")
                #expect(!String(buffer: response.body).contains(fixture.a) || uri.contains(fixture.a), "\(uri)")
            }
            let wrong = try await client.execute(uri: "/?token=" + String(Self.token.reversed()), method: .get,
                                                 headers: [.authorization: "Bearer nope", .cookie: "loupe_token=nope"])
            #expect(wrong.status == .unauthorized)

            let bearer = try await client.execute(uri: "/", method: .get, headers: [.authorization: "Bearer \(Self.token)"])
            #expect(bearer.status == .ok && String(buffer: bearer.body).contains(fixture.a))

            let first = try await client.execute(uri: "/?token=\(Self.token)", method: .get)
            let cookie = try #require(first.headers[.setCookie])
            #expect(first.status == .ok && cookie.hasPrefix("loupe_token=\(Self.token)") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
            let later = try await client.execute(uri: "/runs/\(fixture.a)", method: .get,
                                                 headers: [.cookie: String(cookie.prefix { $0 != ";" })])
            #expect(later.status == .ok && String(buffer: later.body).contains(fixture.a))
        }
    }

    @Test func onlyLoopbackRunsWithoutAToken() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        for host in ["127.0.0.1", "localhost", "::1", "127.0.0.2"] {
            #expect(throws: Never.self) { try Dashboard(store: fixture.store, configuration: .init(host: host)) }
        }
        #expect(throws: DashboardError.tokenRequired(host: "0.0.0.0")) { try Dashboard(store: fixture.store, configuration: .init(host: "0.0.0.0")) }
        #expect(throws: DashboardError.tokenRequired(host: "127.example.com")) {
            try Dashboard(store: fixture.store, configuration: .init(host: "127.example.com"))
        }
        #expect(throws: DashboardError.invalidToken(reason: "use at least 16 characters")) {
            try Dashboard(store: fixture.store, configuration: .init(token: "short"))
        }
        #expect(throws: DashboardError.invalidToken(reason: "use only letters, digits, '-', '.', '_' and '~'")) {
            try Dashboard(store: fixture.store, configuration: .init(token: "0123456789abcdef; Path=/"))
        }
        #expect(throws: DashboardError.invalidPort(70000)) { try Dashboard(store: fixture.store, configuration: .init(port: 70000)) }
        let generated = AccessToken.generate()
        #expect(generated.count == 32 && AccessToken.problem(with: generated) == nil && generated != AccessToken.generate())
    }
}
