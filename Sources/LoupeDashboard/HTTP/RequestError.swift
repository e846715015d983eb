import Hummingbird

/// A request the dashboard answers with an error page instead of the page asked for: bad input
/// (400), a run or file that does not exist (404), too many live streams (503).
struct RequestError: Error {
    var status: HTTPResponse.Status
    var message: String

    static func badRequest(_ message: String) -> RequestError { RequestError(status: .badRequest, message: message) }
    static func notFound(_ message: String) -> RequestError { RequestError(status: .notFound, message: message) }
}
