import Foundation
import HTTPTypes
import Hummingbird

/// Server-sent events (`text/event-stream`), the framing both the dashboard's live pages and the
/// OpenAI streaming API use.
public enum ServerSentEvents {
    /// `data: …\n\n`, optionally named with `event: …`.
    public static func event(_ data: Data, name: String? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let name { buffer.writeString("event: \(name)\n") }
        buffer.writeString("data: ")
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    /// A comment line: keeps a quiet stream alive and finds clients that left.
    public static func comment(_ text: String) -> ByteBuffer { ByteBuffer(string: ": \(text)\n\n") }

    /// Response headers of an event stream (never cached, never buffered by a proxy).
    public static var headers: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return headers
    }
}
