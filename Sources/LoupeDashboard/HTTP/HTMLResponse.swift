import Hummingbird
import LoupeReport

/// Responses of the dashboard's own making, with the headers every one carries: no caching (the
/// store changes under the pages), no MIME sniffing, and a content security policy that lets a
/// page load nothing from anywhere but itself (the pages work offline, and an injected script
/// could not call out).
enum HTMLResponse {
    static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

    static func headers(contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        return headers
    }

    /// `html` (a whole page or a fragment) as a response.
    static func html(_ html: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers(contentType: "text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Plain text (the health check).
    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers(contentType: "text/plain; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// An error page: the status, what went wrong, and the way back to the runs.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body = "<h1>\(status.code) \(XMLText.escape(status.reasonPhrase))</h1>\n<p class=\"problem\">\(XMLText.escape(message))</p>\n"
        return html(PageLayout.page(title: "\(status.code) \(status.reasonPhrase)", body: body), status: status)
    }
}
