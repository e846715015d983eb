import Hummingbird

/// Requires `Authorization: Bearer KEY` on every request except the paths in `exempt` (a load
/// balancer's `/health`), compared in constant time. A missing or wrong key is answered by
/// `unauthorized` (each server words it in its own error format) with `WWW-Authenticate: Bearer`.
public struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    public let key: String
    public let exempt: Set<String>
    public let unauthorized: @Sendable (_ given: Bool) -> Response

    /// - Parameter unauthorized: the response for a request with no key (`given` false) or a wrong one.
    public init(key: String, exempt: Set<String> = ["/health"], unauthorized: @escaping @Sendable (_ given: Bool) -> Response) {
        (self.key, self.exempt, self.unauthorized) = (key, exempt, unauthorized)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if exempt.contains(request.uri.path) { return try await next(request, context) }
        let given = AccessToken.bearer(request.headers[.authorization])
        if let given, AccessToken.matches(given, key) { return try await next(request, context) }
        var response = unauthorized(given != nil)
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }
}
