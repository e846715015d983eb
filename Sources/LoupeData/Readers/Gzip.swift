import CZlib
import LoupeCore

/// gzip decompression with the system zlib's `inflate`.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B }

    /// The decompressed contents of gzip data (several concatenated members are joined, as `gunzip`
    /// does). `file` names the source in errors.
    ///
    /// - Parameter limit: the most bytes it may decompress to. gzip can shrink a run of zeros
    ///   about 1,000-fold, so a small file can claim gigabytes: the default is half this machine's
    ///   memory, past which the file could not be worked with anyway.
    /// - Throws: ``DataError/decompression(file:reason:)`` for corrupt or truncated data, or data
    ///   that decompresses to more than `limit` bytes.
    public static func decompress(_ bytes: [UInt8], file: String,
                                  limit: Int = SizePolicy.availableBytes / 2) throws -> [UInt8] {
        // zlib counts its input in 32 bits.
        guard bytes.count < Int(UInt32.max) else {
            throw DataError.decompression(file: file, reason: "compressed files of 4 GiB or more are not supported; decompress it first (gunzip)")
        }
        var output = [UInt8]()
        output.reserveCapacity(min(bytes.count * 4, limit))
        var consumed = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while consumed < bytes.count {
            var stream = z_stream()
            // 16 + MAX_WBITS: expect a gzip header and trailer, not a raw zlib stream.
            // inflateInit2 is a C macro, so its function form is called with the version and size.
            var status = inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard status == Z_OK else { throw DataError.decompression(file: file, reason: "inflateInit2 failed (\(status))") }
            defer { inflateEnd(&stream) }
            try bytes.withUnsafeBufferPointer { input in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                stream.avail_in = UInt32(input.count - consumed)
                repeat {
                    status = chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = chunk.count - Int(stream.avail_out)
                    guard produced <= limit - output.count else {
                        throw DataError.decompression(
                            file: file, reason: "it decompresses to more than \(SizePolicy.readable(bytes: limit)) (from \(SizePolicy.readable(bytes: bytes.count)) compressed); the limit is half this machine's memory")
                    }
                    output.append(contentsOf: chunk[0..<produced])
                    switch status {
                    case Z_OK, Z_STREAM_END:
                        break
                    case Z_BUF_ERROR where stream.avail_in == 0:
                        throw DataError.decompression(file: file, reason: "the data is truncated at compressed byte \(bytes.count)")
                    default:
                        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                        throw DataError.decompression(file: file, reason: "\(message) near compressed byte \(bytes.count - Int(stream.avail_in))")
                    }
                    if status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0 {
                        throw DataError.decompression(file: file, reason: "the data is truncated at compressed byte \(bytes.count)")
                    }
                } while status != Z_STREAM_END
                consumed = bytes.count - Int(stream.avail_in)
            }
            // Anything after a member must be another member (gzip allows concatenation); stop at padding.
            if !isGzip(Array(bytes[consumed..<min(consumed + 2, bytes.count)])) { break }
        }
        return output
    }
}
