import Foundation

/// Opens the files a user names as inputs — run files, datasets, models, checkpoints — only when
/// they are regular files. The file is opened without blocking and checked before a byte is read,
/// so a FIFO, a socket, a device or a directory is a clear error instead of a read that never ends.
///
/// ```swift
/// let data = try InputFile.read(runFile.path)       // runFile: examples/digits-mlp.toml
/// // a FIFO: InputFileError: cannot read /tmp/pipe: it is a FIFO (a named pipe), not a regular file
/// ```
public enum InputFile {
    /// Opens `path` for reading once it is known to be a regular file; the caller closes the
    /// descriptor.
    public static func open(_ path: String) throws(InputFileError) -> Int32 {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        let fd = Foundation.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw InputFileError(path: path, reason: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw InputFileError(path: path, reason: reason)
        }
        let kind: String? = switch info.st_mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO (a named pipe)"
        case S_IFSOCK: "a socket"
        case S_IFCHR, S_IFBLK: "a device"
        default: "not a plain file"
        }
        if let kind {
            close(fd)
            throw InputFileError(path: path, reason: "it is \(kind), not a regular file")
        }
        // Reads of a regular file never block; clearing the flag keeps them ordinary.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// The whole of the regular file at `path`.
    public static func read(_ path: String) throws(InputFileError) -> Data {
        let fd = try open(path)
        defer { close(fd) }
        var data = Data()
        var info = stat()
        if fstat(fd, &info) == 0, info.st_size > 0 { data.reserveCapacity(Int(info.st_size)) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return data }
            if n < 0 {
                if errno == EINTR { continue }
                throw InputFileError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
            }
            data.append(contentsOf: buffer[0..<n])
        }
    }
}

/// An input file that could not be read, and why ("it is a FIFO (a named pipe), not a regular file").
public struct InputFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) { (self.path, self.reason) = (path, reason) }

    public var description: String { "cannot read \(path): \(reason)" }
}
