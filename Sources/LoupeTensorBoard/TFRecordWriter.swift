import Foundation

/// Appends records to a new file in the TFRecord format, the framing TensorBoard's event files
/// (and TensorFlow's `.tfrecord` datasets) use.
///
/// Each record is laid out as:
///
/// | bytes | content |
/// |---|---|
/// | 8 | the data's length, a little-endian `UInt64` |
/// | 4 | the masked CRC-32C of those 8 bytes, little-endian |
/// | length | the data |
/// | 4 | the masked CRC-32C of the data, little-endian |
///
/// where masking is `((crc >> 15) | (crc << 17)) + 0xa282ead8` (tensorflow/core/lib/io/record_writer.cc).
///
/// The file is opened for appending, not written through ``LoupeCore/AtomicFile``: readers such as
/// TensorBoard follow it while it grows. Each ``write(_:)`` hands its records to the kernel in one
/// `write(2)`, so a reader sees whole batches (a reader that catches a record half-written treats it
/// as not yet there and reads it on its next pass); ``flush()`` makes them durable with `fsync`.
public final class TFRecordWriter {
    /// The file being written.
    public let path: String
    private var descriptor: Int32?

    /// Creates the file at `url` and opens it for appending; throws if it already exists, so two
    /// writers never interleave records in one file.
    public init(creatingFileAt url: URL) throws(TensorBoardError) {
        guard let fd = try Self.openNewFile(url.path) else {
            throw TensorBoardError.io(path: url.path, reason: "cannot create the file: it already exists")
        }
        path = url.path
        descriptor = fd
    }

    /// Creates the file at `path`, or returns nil when a file of that name exists (the event writer
    /// then tries the next name).
    init?(newFileAt path: String) throws(TensorBoardError) {
        guard let fd = try Self.openNewFile(path) else { return nil }
        self.path = path
        descriptor = fd
    }

    /// A descriptor appending to the new file `path`, or nil when it exists.
    private static func openNewFile(_ path: String) throws(TensorBoardError) -> Int32? {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == EEXIST { return nil }
            throw failure(path, "cannot create the file")
        }
        return fd
    }

    deinit {
        if let descriptor { _ = posixClose(descriptor) }
    }

    /// The bytes of one framed record holding `data`.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian, Array.init)
        var record = length
        record.reserveCapacity(16 + data.count)
        record += littleEndian(CRC32C.masked(CRC32C.checksum(length)))
        record += data
        record += littleEndian(CRC32C.masked(CRC32C.checksum(data)))
        return record
    }

    /// Appends `records`, framed, in one `write(2)`.
    public func write(_ records: [[UInt8]]) throws(TensorBoardError) {
        guard let descriptor else { throw TensorBoardError.closed(path: path) }
        let bytes = records.flatMap(Self.frame)
        let failed = bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = posixWrite(descriptor, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return true
                }
                done += n
            }
            return false
        }
        if failed { throw Self.failure(path, "cannot write") }
    }

    /// Makes everything written so far durable (`fsync`).
    public func flush() throws(TensorBoardError) {
        guard let descriptor else { throw TensorBoardError.closed(path: path) }
        guard fsync(descriptor) == 0 else { throw Self.failure(path, "cannot flush") }
    }

    /// Flushes and closes the file; later writes throw ``TensorBoardError/closed(path:)``. Closing
    /// twice does nothing.
    public func close() throws(TensorBoardError) {
        guard let descriptor else { return }
        self.descriptor = nil
        defer { _ = posixClose(descriptor) }
        guard fsync(descriptor) == 0 else { throw Self.failure(path, "cannot flush") }
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    /// An I/O error carrying the current `errno` text.
    private static func failure(_ path: String, _ what: String) -> TensorBoardError {
        TensorBoardError.io(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// `write(2)` and `close(2)`, reachable under other names because the writer's methods shadow them.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }
