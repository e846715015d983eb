import Foundation
import Hummingbird
import LoupeHTTP

/// Turns everything a handler throws into OpenAI's error object with its status: an
/// ``APIError`` as it is, a body over the limit as 413, an unknown route as 404, anything else
/// as 500 (the error's text, never a stack). Counts every answer in `/metrics` by endpoint.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = LoupeRequestContext
    let maxBodyBytes: Int
    /// Counts an answer: (endpoint, status).
    let count: @Sendable (String, Int) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let endpoint = Self.endpoint(request.uri.path)
        do {
            let response = try await next(request, context)
            count(endpoint, Int(response.status.code))
            return response
        } catch {
            let apiError = Self.apiError(error, path: request.uri.path, maxBodyBytes: maxBodyBytes)
            count(endpoint, apiError.status)
            return Self.response(apiError)
        }
    }

    /// Traces are counted under one name, whatever their id (bounded label values).
    static func endpoint(_ path: String) -> String {
        let known = ["/v1/chat/completions", "/v1/completions", "/v1/models", "/v1/predict", "/v1/model", "/health", "/metrics",
                     "/tokenize", "/detokenize"]
        if known.contains(path) { return path }
        return path.hasPrefix("/v1/traces") ? "/v1/traces" : "other"
    }

    static func apiError(_ error: Error, path: String, maxBodyBytes: Int) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as HTTPResponseError where error.status == .contentTooLarge:
            return APIError(status: 413, message: "the request body is over the limit of \(maxBodyBytes) bytes (--max-body-bytes)",
                            type: "invalid_request_error", code: "request_too_large")
        case let error as HTTPResponseError where error.status == .notFound:
            return APIError(status: 404, message: "no endpoint \(path); see GET /v1/models, POST /v1/chat/completions, /v1/completions",
                            type: "not_found_error")
        case let error as HTTPResponseError where error.status == .methodNotAllowed:
            return APIError(status: 405, message: "\(path) does not take this method", type: "invalid_request_error")
        case let error as HTTPResponseError:
            return APIError(status: Int(error.status.code), message: "\(error)", type: "invalid_request_error")
        default:
            return APIError(status: 500, message: "internal error: \(error)", type: "server_error")
        }
    }

    static func response(_ error: APIError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if error.status == 503 { headers[.retryAfter] = "1" }
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: error.body)))
    }
}
