/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum TFRecord files carry, and the
/// masking TFRecord applies to it.
///
/// Table-driven, one byte at a time: event records are small (a summary is tens to thousands of
/// bytes), so the checksum is never the cost of logging.
enum CRC32C {
    /// The 256 remainders of a byte shifted through the reflected polynomial.
    private static let table: [UInt32] = (0..<256).map { byte in
        var crc = UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    /// The CRC-32C of `bytes` (initial value and final xor 0xFFFFFFFF, as in RFC 3720).
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    /// TFRecord's masked CRC: rotated right by 15 bits plus a constant, because a CRC stored next to
    /// the data it covers is a poor check of data that itself holds CRCs (tensorflow/core/lib/hash/crc32c.h).
    static func masked(_ crc: UInt32) -> UInt32 {
        ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8
    }
}
