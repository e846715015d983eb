import Foundation

/// An error as the OpenAI API reports it: an HTTP status and the body
/// `{"error": {"message": "...", "type": "...", "param": "...", "code": "..."}}`, which every
/// OpenAI client library turns into its own exception (`openai.BadRequestError`, …).
public struct APIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The HTTP status: 400, 401, 404, 413, 422, 429, 500, 503.
    public var status: Int
    public var message: String
    /// `invalid_request_error`, `authentication_error`, `not_found_error`, `server_error`, …
    public var type: String
    /// The request field at fault (`messages[2].content`, `temperature`), when one is.
    public var param: String?
    /// A machine-readable code (`context_length_exceeded`, `invalid_api_key`), when there is one.
    public var code: String?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil) {
        (self.status, self.message, self.type, self.param, self.code) = (status, message, type, param, code)
    }

    /// 400: a field is missing, of the wrong type or out of range.
    public static func invalid(_ param: String?, _ message: String, code: String? = nil) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    public var description: String { "\(status) \(type)\(param.map { " (\($0))" } ?? ""): \(message)" }

    /// The JSON body.
    public var body: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let object = JSONObject([("error", JSONObject([("message", message), ("type", type), ("param", param), ("code", code)]))])
        return (try? encoder.encode(object)) ?? Data()
    }
}
