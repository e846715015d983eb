/// Why a document is not TOML, and where: a 1-based line and column (in characters) and what was
/// expected there.
public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// The error for `message` at byte `offset` of `bytes`.
    init(_ message: String, at offset: Int, in bytes: [UInt8]) {
        var line = 1, column = 1
        for byte in bytes[..<min(max(offset, 0), bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {  // a character's first byte, not a UTF-8 continuation
                column += 1
            }
        }
        self.init(line: line, column: column, message: message)
    }

    public var description: String { "\(line):\(column): \(message)" }
}
