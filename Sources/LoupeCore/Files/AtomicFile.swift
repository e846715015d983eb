import Foundation

/// Writes a file so that readers see either the old file or the complete new one, never a part.
///
/// The bytes go to a temporary file in the target's directory (same file system, so the final
/// `rename(2)` is atomic), are flushed with `fsync`, then renamed over the target. On any failure
/// the temporary file is removed and the target is left untouched.
public enum AtomicFile {
    /// Writes `data` to `url`, atomically (any file Loupe writes: configs, summaries, checkpoints).
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { sink in try sink([UInt8](data)) }
    }

    /// Writes the chunks `produce` passes to its sink to `url`, atomically (large files written
    /// piece by piece, such as checkpoints, never held whole in memory).
    public static func write(to url: URL, _ produce: (_ sink: ([UInt8]) throws -> Void) throws -> Void) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporary = "\(directory)/.\(url.lastPathComponent).\(UUID().uuidString).tmp"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(path, "cannot create a temporary file in \(directory)") }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(fd) }
            try produce { chunk in try writeAll(fd, chunk, path) }
            guard fsync(fd) == 0 else { throw failure(path, "cannot flush \(temporary)") }
        }
        guard rename(temporary, path) == 0 else { throw failure(path, "cannot rename the temporary file over it") }
        renamed = true
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = posixWrite(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure(path, "cannot write")
                }
                done += n
            }
        }
    }

    /// Makes `link` a symbolic link to `target` (a path relative to the link's folder, or
    /// absolute), atomically: a new link is renamed over whatever `link` was, so a reader never
    /// finds it missing.
    public static func symlink(_ target: String, at link: URL) throws {
        let temporary = "\(link.deletingLastPathComponent().path)/.\(link.lastPathComponent).\(UUID().uuidString).tmp"
        guard Foundation.symlink(target, temporary) == 0 else { throw failure(link.path, "cannot create a link") }
        guard rename(temporary, link.path) == 0 else {
            let error = failure(link.path, "cannot rename the new link over it")
            unlink(temporary)
            throw error
        }
    }

    /// An I/O error carrying the current `errno` text.
    private static func failure(_ path: String, _ what: String) -> AtomicFileError {
        AtomicFileError(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// A file ``AtomicFile`` could not write; the previous file at `path`, if any, is unchanged.
public struct AtomicFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file that was being written.
    public let path: String
    /// What failed, with the system's reason ("cannot create a temporary file in runs/x: Permission denied").
    public let reason: String

    public var description: String { "cannot write \(path): \(reason)" }
}

/// `write(2)`, reachable under another name because `AtomicFile.write` shadows it inside the type.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
