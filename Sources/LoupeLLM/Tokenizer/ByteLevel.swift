/// GPT-2's byte-to-character map for byte-level BPE: every byte gets a printable character, so
/// token texts are strings (bytes 33–126, 161–172 and 174–255 map to themselves; the others to
/// U+0100 onwards, in order).
enum ByteLevel {
    static let byteToScalar: [Unicode.Scalar] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var scalars = printable.map { UInt32($0) }
        var extra: UInt32 = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b)
            scalars.append(256 + extra)
            extra += 1
        }
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        for (b, s) in zip(printable, scalars) { table[b] = Unicode.Scalar(s)! }
        return table
    }()

    static let scalarToByte: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in byteToScalar.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()

    /// The byte-level string of some UTF-8 bytes.
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    /// The bytes of a byte-level string (nil if it holds a character outside the map).
    static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        for s in text.unicodeScalars {
            guard let b = scalarToByte[s.value] else { return nil }
            out.append(b)
        }
        return out
    }
}
