import Foundation
import Hummingbird
import Logging

/// One line per request — method, path, status, tokens, milliseconds — written through swift-log
/// once the response body has been sent (a streamed reply is logged when it ends, with its
/// tokens). `/health` and `/metrics` polls are logged at debug level only, so a scraper does not
/// drown the log.
public struct AccessLogMiddleware: RouterMiddleware {
    public typealias Context = LoupeRequestContext
    public let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let (logger, tally) = (logger, context.tally)
        let method = request.method.rawValue, path = request.uri.path
        let quiet = path == "/health" || path == "/metrics"
        @Sendable func log(_ status: Int) {
            let ms = (ContinuousClock.now - start) / .milliseconds(1)
            let level: Logger.Level = quiet ? .debug : .info
            logger.log(level: level, "\(method) \(path) \(status) tokens=\(tally.promptTokens)+\(tally.generatedTokens) ms=\(String(format: "%.1f", ms))",
                       metadata: ["method": .string(method), "path": .string(path), "status": .stringConvertible(status),
                                  "prompt_tokens": .stringConvertible(tally.promptTokens),
                                  "completion_tokens": .stringConvertible(tally.generatedTokens),
                                  "ms": .string(String(format: "%.1f", ms))])
        }
        do {
            var response = try await next(request, context)
            let status = response.status.code
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
                do {
                    try await body.write(writer)
                    log(status)
                } catch {
                    // The client left mid-body: the status was sent, the reply was not finished.
                    log(499)
                    throw error
                }
            }
            return response
        } catch let error as HTTPResponseError {
            log(Int(error.status.code))
            throw error
        } catch {
            log(500)
            throw error
        }
    }
}

/// swift-log's output for servers: one JSON object per line (`--json-log`) or a plain line, on
/// standard error, with the time, level, message and metadata.
public struct ServerLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public let label: String
    public let json: Bool

    public init(label: String, json: Bool) { (self.label, self.json) = (label, json) }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let (level, message, extra) = (event.level, event.message, event.metadata)
        let time = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
        let all = metadata.merging(extra ?? [:]) { $1 }
        let text: String
        if json {
            var object: [String: Any] = ["time": time, "level": level.rawValue, "message": message.description]
            for (key, value) in all { object[key] = Self.plain(value) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = "\(time) \(level.rawValue) \(message)"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A metadata value as JSON: numbers stay numbers.
    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): return Double(s).map { $0 as Any } ?? s
        case .stringConvertible(let s): return Double(s.description).map { $0 as Any } ?? s.description
        case .array(let a): return a.map(plain)
        case .dictionary(let d): return d.mapValues(plain)
        }
    }
}
