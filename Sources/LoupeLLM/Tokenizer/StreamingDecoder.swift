/// Turns tokens into text one at a time for streaming output. A byte-level token can end in the
/// middle of a UTF-8 character (an emoji is often split across two or three tokens); the decoder
/// holds such an incomplete tail back until the next tokens complete it, so every chunk it returns
/// is valid UTF-8 and the chunks join into exactly `decode(allIds)`.
public struct StreamingDecoder {
    public let tokenizer: BPETokenizer
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer) { self.tokenizer = tokenizer }

    /// The text that `id` completes (possibly empty).
    public mutating func append(_ id: Int) -> String {
        pending += tokenizer.bytes(of: id)
        let complete = Self.completePrefixLength(pending)
        defer { pending.removeFirst(complete) }
        return String(decoding: pending[..<complete], as: UTF8.self)
    }

    /// Whatever is still held back, at the end of the stream (invalid bytes become U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of `bytes` without a trailing incomplete UTF-8 sequence (at most 3 bytes are held).
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var i = bytes.count - 1, continuation = 0
        while i >= 0, continuation < 3, bytes[i] & 0xC0 == 0x80 { continuation += 1; i -= 1 }
        guard i >= 0 else { return bytes.count }
        let lead = bytes[i]
        let needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0
        return needed > continuation ? i : bytes.count
    }
}
