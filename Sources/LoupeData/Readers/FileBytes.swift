import Foundation

/// Reading whole data files into memory, gunzipping those that are gzip-compressed.
enum FileBytes {
    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.unreadable(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw DataError.unreadable(file: path, reason: "it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.unreadable(file: path, reason: "permission denied or I/O error")
        }
        return [UInt8](data)
    }

    /// The bytes of the file at `path`, decompressed when they start with the gzip magic 1f 8b.
    static func readDecompressing(_ path: String) throws -> [UInt8] {
        let bytes = try read(path)
        return Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, file: path) : bytes
    }
}
