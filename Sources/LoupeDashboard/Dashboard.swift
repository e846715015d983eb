import Foundation
import Hummingbird
import LoupeStore
import NIOCore
import LoupeHTTP

/// The web dashboard over a ``RunStore``: server-rendered HTML pages whose charts LoupeReport
/// draws, a few lines of script for live runs only, nothing loaded from the network.
///
/// Routes: `GET /` (the runs), `/runs/{id}` (one run), `/runs/{id}/charts` (its curves, what
/// live updates swap in), `/runs/{id}/events` (server-sent events while it runs),
/// `/runs/{id}/artifacts/{index}` (a file it recorded), `/compare?ids=a,b` (runs side by side),
/// `/health`. A run is named by its id, a unique prefix of it, or its name.
///
/// Loopback only by default. Any other address needs an access token, checked on every request
/// (`Authorization: Bearer TOKEN`, or `?token=TOKEN` once, which sets an HttpOnly cookie).
///
/// ```swift
/// let dashboard = try Dashboard(store: store, configuration: .init(port: 0))
/// let server = Task { try await dashboard.run { port in print(dashboard.url(port: port)) } }
/// // … it serves until the task is cancelled:
/// server.cancel()
/// ```
public struct Dashboard: Sendable {
    /// Where the dashboard listens, who may read it, and its limits.
    public struct Configuration: Sendable {
        /// The address to listen on; anything but loopback needs `token`.
        public var host: String
        /// The port; 0 picks a free one (``Dashboard/run(onServerRunning:)`` reports which).
        public var port: Int
        /// The access token every request must carry, or nil for none (loopback only).
        public var token: String?
        /// Runs one compare page may show.
        public var maxCompareRuns: Int
        /// Event streams (live pages) open at once.
        public var maxEventStreams: Int
        /// How often an event stream reads the store.
        public var pollInterval: Duration
        /// How long an event stream may stay quiet before it sends a comment (to find clients that left).
        public var heartbeat: Duration

        public init(host: String = "127.0.0.1", port: Int = 7788, token: String? = nil, maxCompareRuns: Int = 20,
                    maxEventStreams: Int = 32, pollInterval: Duration = .milliseconds(500), heartbeat: Duration = .seconds(10)) {
            (self.host, self.port, self.token, self.maxCompareRuns) = (host, port, token, maxCompareRuns)
            (self.maxEventStreams, self.pollInterval, self.heartbeat) = (maxEventStreams, pollInterval, heartbeat)
        }
    }

    public let store: RunStore
    public let configuration: Configuration
    let streams: StreamSlots

    /// A dashboard over `store`.
    ///
    /// - Throws: ``DashboardError/tokenRequired(host:)`` for a host other than loopback without a
    ///   token, ``DashboardError/invalidToken(reason:)``, ``DashboardError/invalidPort(_:)``.
    public init(store: RunStore, configuration: Configuration = .init()) throws(DashboardError) {
        guard (0...65535).contains(configuration.port) else { throw .invalidPort(configuration.port) }
        if let token = configuration.token, let problem = AccessToken.problem(with: token) { throw .invalidToken(reason: problem) }
        guard configuration.token != nil || AccessToken.isLoopback(configuration.host) else { throw .tokenRequired(host: configuration.host) }
        (self.store, self.configuration) = (store, configuration)
        streams = StreamSlots(limit: max(configuration.maxEventStreams, 0))
    }

    /// The address to open in a browser once the server listens on `port`, with the token when
    /// there is one (its first request sets the cookie).
    public func url(port: Int) -> String {
        let host = configuration.host.contains(":") && !configuration.host.hasPrefix("[") ? "[\(configuration.host)]" : configuration.host
        return "http://\(host):\(port)/" + (configuration.token.map { "?token=\($0)" } ?? "")
    }

    /// Serves until the task running it is cancelled; `onServerRunning` hears the port once the
    /// server listens.
    ///
    /// - Throws: ``DashboardError/portInUse(host:port:)`` or ``DashboardError/cannotListen(host:port:reason:)``.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        do {
            try await application(onServerRunning: onServerRunning).run()
        } catch is CancellationError {
            // Cancelling is how the dashboard is stopped, not a failure.
        } catch let error as IOError {
            if error.errnoCode == EADDRINUSE { throw DashboardError.portInUse(host: configuration.host, port: configuration.port) }
            throw DashboardError.cannotListen(host: configuration.host, port: configuration.port, reason: "\(error)")
        } catch let error as SocketAddressError {
            throw DashboardError.cannotListen(host: configuration.host, port: configuration.port, reason: "\(error)")
        }
    }

    /// The Hummingbird application (for tests: `try await dashboard.application().test(.router) { ... }`).
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> Application<RouterResponder<BasicRequestContext>> {
        var application = Application(router: router(), configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                                                              serverName: nil),
                                      onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) })
        // Errors reach the reader as pages; the server's own log would only report that it was
        // stopped (an "error" when its task is cancelled). LOG_LEVEL=debug still shows everything.
        if ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil { application.logger.logLevel = .critical }
        return application
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorPageMiddleware())
        if let token = configuration.token { router.middlewares.add(TokenMiddleware(token: token)) }
        let (store, configuration, streams) = (store, configuration, streams)

        router.get("/health") { _, _ in HTMLResponse.text("ok") }
        router.get("/") { request, _ in
            HTMLResponse.html(try RunsPage(store: store, query: QueryParameters(request.uri.query)).html())
        }
        router.get("/runs/:id") { _, context in
            HTMLResponse.html(try RunPage(store: store, id: try Self.runID(context, store)).html())
        }
        router.get("/runs/:id/charts") { _, context in
            let id = try Self.runID(context, store)
            return HTMLResponse.html(try RunCharts.html(store: store, id: id, findings: try FindingRecord.all(of: id, in: store)))
        }
        router.get("/runs/:id/events") { _, context in
            let id = try Self.runID(context, store)
            guard let lease = streams.acquire() else {
                throw RequestError(status: .serviceUnavailable, message: "\(streams.limit) live streams are open already; close a live page and reload")
            }
            let stream = EventStream(store: store, id: id, interval: configuration.pollInterval, heartbeat: configuration.heartbeat)
            return Response(status: .ok, headers: EventStream.headers, body: stream.body(holding: lease))
        }
        router.get("/runs/:id/artifacts/:index") { _, context in
            let id = try Self.runID(context, store)
            return try await ArtifactResponse(store: store, id: id, index: context.parameters.get("index") ?? "").response(context: context)
        }
        router.get("/compare") { request, _ in
            HTMLResponse.html(try ComparePage(store: store, query: QueryParameters(request.uri.query), maxRuns: configuration.maxCompareRuns).html())
        }
        return router
    }

    /// The run the `:id` path parameter names (an id, a unique prefix or a name).
    static func runID(_ context: BasicRequestContext, _ store: RunStore) throws -> String {
        let reference = (context.parameters.get("id") ?? "").removingPercentEncoding ?? ""
        guard !reference.isEmpty, reference.count <= 200 else { throw RequestError.badRequest("a run id, prefix or name of 1 to 200 characters") }
        return try store.resolve(reference)
    }
}
