import Hummingbird
import LoupeHTTP

/// Checks the access token on every request when the dashboard has one: `Authorization: Bearer
/// TOKEN`, the cookie a `?token=TOKEN` request set, or that query itself (which then sets the
/// HttpOnly, same-site cookie, so the page's links, forms and live updates keep working without
/// the token in every URL). Anything else is 401.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let given = AccessToken.bearer(request.headers[.authorization]), AccessToken.matches(given, token) {
            return try await next(request, context)
        }
        if let cookie = request.cookies[AccessToken.cookieName], AccessToken.matches(cookie.value[...], token) {
            return try await next(request, context)
        }
        if let given = QueryParameters(request.uri.query).value("token"), AccessToken.matches(given[...], token) {
            var response = try await next(request, context)
            response.setCookie(Cookie(name: AccessToken.cookieName, value: token, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        var response = HTMLResponse.error(.unauthorized, "This dashboard needs its access token: open the URL `loupe dashboard` printed "
            + "(it ends in ?token=…), or send the header Authorization: Bearer TOKEN.")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }
}
