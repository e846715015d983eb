import Foundation

/// One sentence for an error from Foundation or `Codable`, in place of the raw dumps their
/// descriptions are (`Error Domain=NSCocoaErrorDomain Code=513 …`, `typeMismatch(Swift.Int, …)`).
/// Loupe's own errors already describe themselves and are returned as they are.
///
/// ```swift
/// var message = ""
/// let bytes = Data("[1, \"two\"]".utf8)
/// do { _ = try JSONDecoder().decode([Int].self, from: bytes) } catch {
///     message = ErrorMessage.plain(error, json: bytes)   // "at [1]: expected an integer, found a string"
/// }
/// ```
public enum ErrorMessage {
    /// `error` as a sentence a person can act on. `json`, the bytes that were being decoded, lets
    /// a syntax error say where it is (the decoder itself does not).
    public static func plain(_ error: any Error, json: Data? = nil) -> String {
        if let decoding = error as? DecodingError { return plain(decoding, json: json) }
        if let cocoa = error as? CocoaError { return plain(cocoa) }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return String(describing: error)
    }

    private static func plain(_ error: CocoaError) -> String {
        let ns = error as NSError
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        let reason: String
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            reason = String(cString: strerror(Int32(underlying.code))).lowercased()
        } else {
            reason = switch error.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: "no such file or directory"
            case .fileReadNoPermission, .fileWriteNoPermission: "permission denied"
            case .fileWriteOutOfSpace: "no space left on device"
            case .fileWriteVolumeReadOnly: "read-only file system"
            case .fileWriteFileExists: "it already exists"
            case .fileReadCorruptFile, .propertyListReadCorrupt: "the data is not in the expected format"
            default: ns.localizedDescription
            }
        }
        return path.map { "\($0): \(reason)" } ?? reason
    }

    private static func plain(_ error: DecodingError, json: Data?) -> String {
        func at(_ context: DecodingError.Context) -> String {
            guard !context.codingPath.isEmpty else { return "at the top level" }
            let path = context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return "at " + String(path.trimmingPrefix("."))
        }
        switch error {
        case let .typeMismatch(type, context):
            return "\(at(context)): expected \(kind(type)), found \(found(context))"
        case let .valueNotFound(type, context):
            return "\(at(context)): expected \(kind(type)), found null"
        case let .keyNotFound(key, context):
            return "\(at(context)): the key \"\(key.stringValue)\" is missing"
        case let .dataCorrupted(context):
            if let underlying = context.underlyingError as NSError?,
               let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String {
                return "not valid JSON: \(detail)"
            }
            if context.codingPath.isEmpty {
                // Parsing again is what finds the position of the syntax error.
                do { _ = try json.map { try JSONSerialization.jsonObject(with: $0, options: .fragmentsAllowed) } } catch {
                    if let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String {
                        return "not valid JSON: \(detail)"
                    }
                }
                return "not valid JSON"
            }
            return "\(at(context)): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is any BinaryInteger.Type: "an integer"
        case is any BinaryFloatingPoint.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") ? "an array"
                : String(describing: type).hasPrefix("Dictionary") ? "an object" : "\(type)"
        }
    }

    /// What the context says was there instead ("Expected to decode Int but found a string instead.").
    private static func found(_ context: DecodingError.Context) -> String {
        let text = context.debugDescription
        if let range = text.range(of: "but found "), let end = text.range(of: " instead", range: range.upperBound..<text.endIndex) {
            return String(text[range.upperBound..<end.lowerBound])
        }
        return "something else"
    }
}
