import Foundation
import LoupeCore

/// Reading whole data files into memory, gunzipping those that are gzip-compressed.
enum FileBytes {
    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        do { return [UInt8](try InputFile.read(path)) } catch { throw DataError.unreadable(file: path, reason: error.reason) }
    }

    /// The bytes of the file at `path`, decompressed when they start with the gzip magic 1f 8b.
    static func readDecompressing(_ path: String) throws -> [UInt8] {
        let bytes = try read(path)
        return Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, file: path) : bytes
    }
}
