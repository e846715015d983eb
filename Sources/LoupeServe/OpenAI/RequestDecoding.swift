import Foundation

/// Reads a request body into a request type, turning every way it can be wrong into an
/// ``APIError`` that names the field (`messages[1].content: expected a string or an array of
/// content parts`), as OpenAI's API does.
enum RequestDecoding {
    static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws(APIError) -> T {
        guard !body.isEmpty else { throw .invalid(nil, "the request has no body; send a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let error as APIError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalid(path(context.codingPath + [key]), "missing required parameter '\(path(context.codingPath + [key]))'")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw .invalid(path(context.codingPath), "'\(path(context.codingPath))' has the wrong type: expected \(name(expected))")
        } catch let DecodingError.valueNotFound(expected, context) {
            throw .invalid(path(context.codingPath), "'\(path(context.codingPath))' is null: expected \(name(expected))")
        } catch let DecodingError.dataCorrupted(context) {
            if context.codingPath.isEmpty {
                throw .invalid(nil, "the body is not valid JSON: \((context.underlyingError as NSError?)?.localizedDescription ?? context.debugDescription)")
            }
            throw .invalid(path(context.codingPath), "'\(path(context.codingPath))': \(context.debugDescription)")
        } catch {
            throw .invalid(nil, "the body could not be read: \(error)")
        }
    }

    /// `messages[1].content`.
    static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    private static func name(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is Bool.Type: "a boolean"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
