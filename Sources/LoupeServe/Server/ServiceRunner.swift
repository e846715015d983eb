import Foundation
import Hummingbird
import Logging
import LoupeHTTP
import NIOCore
import ServiceLifecycle

/// How Loupe's servers run: a Hummingbird application with an idle-connection timeout, in a
/// service group that SIGTERM/SIGINT shut down gracefully — the HTTP server first (it stops
/// accepting and finishes the requests it has), then `drain` (the work those requests queued) —
/// within the drain timeout; listening errors become ``ServeError``s.
enum ServiceRunner {
    static func application(_ router: Router<LoupeRequestContext>, host: String, port: Int, idleTimeout: Duration, logger: Logger,
                            onServerRunning: @escaping @Sendable (Int) async -> Void) -> Application<RouterResponder<LoupeRequestContext>> {
        var quiet = logger
        // Hummingbird's own lines (a cancelled server task, …) only at debug; the access log is ours.
        if ProcessInfo.processInfo.environment["LOG_LEVEL"] == nil { quiet.logLevel = .critical }
        return Application(router: router,
                           server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(idleTimeout / .nanoseconds(1))))),
                           configuration: .init(address: .hostname(host, port: port), serverName: nil),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                           logger: quiet)
    }

    /// A router with the middlewares every Loupe server has, outermost first: the access log, OpenAI's
    /// error objects (each answer counted by `count(endpoint, status)`), and the API key when there is one.
    static func router(logger: Logger, maxBodyBytes: Int, apiKey: String?, count: @escaping @Sendable (String, Int) -> Void) -> Router<LoupeRequestContext> {
        let router = Router(context: LoupeRequestContext.self)
        router.middlewares.add(AccessLogMiddleware(logger: logger))
        router.middlewares.add(APIErrorMiddleware(maxBodyBytes: maxBodyBytes, count: count))
        if let apiKey {
            router.middlewares.add(APIKeyMiddleware<LoupeRequestContext>(key: apiKey) { given in
                APIErrorMiddleware.response(APIError(status: 401, message: given ? "the API key is wrong" : "this server needs an API key: send Authorization: Bearer KEY",
                                                     type: "authentication_error", code: "invalid_api_key"))
            })
        }
        return router
    }

    static func run(_ application: some Service, drain: some Service, host: String, port: Int, drainTimeout: Duration, logger: Logger) async throws {
        FileDescriptors.raiseLimit()
        var group = ServiceGroupConfiguration(services: [drain, application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = drainTimeout + .seconds(5)
        do {
            try await ServiceGroup(configuration: group).run()
        } catch let error as IOError {
            if error.errnoCode == EADDRINUSE { throw ServeError.portInUse(host: host, port: port) }
            throw ServeError.cannotListen(host: host, port: port, reason: "\(error)")
        } catch let error as SocketAddressError {
            throw ServeError.cannotListen(host: host, port: port, reason: "\(error)")
        }
    }
}
