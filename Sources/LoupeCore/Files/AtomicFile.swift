import Foundation
import Synchronization

/// Writes a file so that readers see either the old file or the complete new one, never a part.
///
/// The bytes go to a temporary file in the target's directory (same file system, so the final
/// `rename(2)` is atomic), are flushed with `fsync`, then renamed over the target, and the folder
/// is flushed so the rename itself survives a power cut. On any failure the temporary file is
/// removed and the target is left untouched; a process killed mid-write leaves only its temporary
/// file, which ``removeLeftovers(in:)`` clears.
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
        let killHere = FaultInjection.killsThisWrite()
        do {
            defer { close(fd) }
            try produce { chunk in
                try writeAll(fd, chunk, path)
                if killHere { FaultInjection.die() }
            }
            guard fsync(fd) == 0 else { throw failure(path, "cannot flush \(temporary)") }
        }
        guard rename(temporary, path) == 0 else { throw failure(path, "cannot rename the temporary file over it") }
        renamed = true
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// Removes the temporary files that writes into `directory` left behind when their process was
    /// killed (`.<name>.<UUID>.tmp`); returns their names. Call it only where no other process is
    /// writing (a run's folder under its ``RunLock``), or it may take a file being written.
    @discardableResult
    public static func removeLeftovers(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        let leftovers = names.filter { name in
            guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return false }
            let parts = name.dropLast(4).split(separator: ".")
            return parts.count >= 2 && UUID(uuidString: String(parts.last!)) != nil
        }
        for name in leftovers { unlink(directory.appendingPathComponent(name).path) }
        return leftovers.sorted()
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

    public init(path: String, reason: String) { (self.path, self.reason) = (path, reason) }

    public var description: String { "cannot write \(path): \(reason)" }
}

/// Crashes on purpose, for the fault tests (`scripts/fault-tests.sh`): with
/// `LOUPE_FAULT_KILL_AT_WRITE=k` in the environment, the process kills itself (SIGKILL, as
/// `kill -9` does) after the first chunk of its k-th atomic write, leaving a partial temporary file
/// behind. Unset, it costs one comparison per write.
enum FaultInjection {
    static let killAtWrite = ProcessInfo.processInfo.environment["LOUPE_FAULT_KILL_AT_WRITE"].flatMap(Int.init)
    static let writes = Atomic<Int>(0)

    static func killsThisWrite() -> Bool {
        guard let k = killAtWrite else { return false }
        return writes.add(1, ordering: .relaxed).newValue == k
    }

    static func die() -> Never {
        kill(getpid(), SIGKILL)
        fatalError("SIGKILL did not end the process")
    }
}

/// `write(2)`, reachable under another name because `AtomicFile.write` shadows it inside the type.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
