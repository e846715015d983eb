import Foundation
import LoupeCore

/// Keeps a run's folder to one process at a time: an exclusive `flock(2)` on `<folder>/.lock`,
/// taken before a run writes anything there and held until the ``RunLock`` is released or the
/// process ends. The kernel drops the lock of a process however it ends (`kill -9` included), so
/// no stale lock is ever left to clear by hand. The file names the holder, for the message the
/// next process gets.
///
/// ```swift
/// let lock = try RunLock(folder)        // or RunLockError: "… is in use by process 4242 (loupe train …)"
/// defer { lock.release() }
/// ```
public final class RunLock: @unchecked Sendable {
    public let folder: URL
    private var descriptor: Int32

    static let fileName = ".lock"

    /// Locks `folder` (creating it if needed) for this process.
    /// - Throws: ``RunLockError`` naming the process that holds it, or why the lock file could not
    ///   be made.
    public init(_ folder: URL) throws(RunLockError) {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw RunLockError(folder: folder.path, holder: nil, reason: ErrorMessage.plain(error))
        }
        let path = folder.appendingPathComponent(Self.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunLockError(folder: folder.path, holder: nil, reason: "\(path): \(String(cString: strerror(errno)).lowercased())")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.holder(fd)
            close(fd)
            guard code == EWOULDBLOCK else {
                throw RunLockError(folder: folder.path, holder: nil, reason: "\(path): cannot lock it: \(String(cString: strerror(code)).lowercased())")
            }
            throw RunLockError(folder: folder.path, holder: holder ?? "another process", reason: nil)
        }
        descriptor = fd
        let command = ([URL(fileURLWithPath: CommandLine.arguments.first ?? "loupe").lastPathComponent] + CommandLine.arguments.dropFirst())
            .joined(separator: " ")
        let note = "process \(getpid()) (\(command)), since \(ISO8601DateFormatter().string(from: Date()))\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Whether another process holds `folder`'s lock now, and who: the note it left.
    public static func holder(of folder: URL) -> String? {
        let fd = open(folder.appendingPathComponent(fileName).path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) != 0 else {
            flock(fd, LOCK_UN)
            return nil
        }
        return holder(fd) ?? "another process"
    }

    private static func holder(_ fd: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        let text = String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// Releases the lock (also done when the lock is deinitialized or the process ends).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)   // closing the only descriptor drops the flock
        descriptor = -1
    }

    deinit { release() }
}

/// A run folder another process is using, or whose lock could not be taken.
public struct RunLockError: Error, CustomStringConvertible, Equatable, Sendable {
    public let folder: String
    /// Who holds it ("process 4242 (loupe train mlp.toml --resume), since …"), when that is why.
    public let holder: String?
    /// Why the lock could not be taken otherwise, with the path ("runs/x/…: read-only file system").
    public let reason: String?

    public var description: String {
        if let holder {
            return "\(folder) is in use by \(holder); wait for it to finish or stop it (two processes in one run's folder would mix their checkpoints and logs)"
        }
        return "cannot use the run folder: \(reason ?? "\(folder): unknown reason")"
    }
}
