import Foundation
import LoupeCore
import SwiftProtobuf

/// Writes one TensorBoard event file: scalars, histograms, text and the HParams plugin's records,
/// for `tensorboard --logdir` to show.
///
/// The file is `events.out.tfevents.<unix seconds>.<host name>` in `directory` (created if
/// missing), TensorFlow's name for it; TensorBoard shows each directory holding event files as a
/// run. Its first event is the file version `brain.Event:2`. Each `add…` call appends one event
/// and hands it to the kernel at once, so TensorBoard sees it on its next reload and a crash loses
/// nothing already added; ``flush()`` and ``close()`` also make it durable (`fsync`). Values are
/// written the way TensorFlow and PyTorch write them, so every TensorBoard version reads them:
/// scalars as `simple_value`, histograms as `HistogramProto`, text as a string tensor for the text
/// plugin.
///
/// ```swift
/// let writer = try EventFileWriter(directory: runDirectory)
/// for step in 0..<3 {
///     try writer.addScalar(tag: "train/loss", value: 1 / Double(step + 1), step: step)
/// }
/// try writer.addHistogram(tag: "fc.weight", values: [-0.2, 0.1, 0.3], step: 2)
/// try writer.addText(tag: "notes", text: "lr 0.01, *adam*", step: 0)
/// try writer.close()
/// ```
public final class EventFileWriter {
    /// The event file.
    public let url: URL
    private let records: TFRecordWriter

    /// Creates the event file in `directory` and writes its file-version event.
    ///
    /// `wallTime` (seconds since 1970, default now) stamps the first event and names the file;
    /// `hostName` defaults to the machine's. If a file of that name exists (two writers in the
    /// same second), `.1`, `.2`, … is appended: the file is never shared or replaced.
    public init(directory: URL, wallTime: Double? = nil, hostName: String? = nil) throws(TensorBoardError) {
        try Self.createDirectories(directory.path)
        let time = wallTime ?? Self.now()
        // Seconds before 1970 or beyond Int64 (a caller's wall time, never the clock's) name the file 0.
        let seconds = time >= 0 && time < 9.2e18 ? Int64(time) : 0
        let base = directory.appendingPathComponent("events.out.tfevents.\(seconds).\(hostName ?? Self.machineName())").path
        var suffix = 0
        while true {
            let path = suffix == 0 ? base : "\(base).\(suffix)"
            if let writer = try TFRecordWriter(newFileAt: path) {
                records = writer
                url = URL(fileURLWithPath: path)
                break
            }
            suffix += 1
        }
        var event = Tensorboard_Event()
        event.wallTime = time
        event.fileVersion = "brain.Event:2"
        try write(event, tag: "")
    }

    /// Appends scalar `value` of series `tag` at `step`; wall time in seconds since 1970, default
    /// now. Stored as a float32 `simple_value`, as TensorBoard keeps scalars; NaN and ±∞ are
    /// written as they are, and TensorBoard reads them back as such.
    public func addScalar(tag: String, value: Double, step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        var summary = try Self.value(tag: tag)
        summary.simpleValue = Float(value)
        try write(summary, step: step, wallTime: wallTime)
    }

    /// Appends a histogram of `values` (equal-width buckets, see ``TensorBoardHistogram``) for
    /// `tag` at `step`; throws ``TensorBoardError/invalidHistogram(tag:reason:)`` for no values or
    /// non-finite ones, writing nothing.
    public func addHistogram(tag: String, values: [Double], bucketCount: Int = 30, step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        let histogram: TensorBoardHistogram
        do throws(TensorBoardError) {
            histogram = try TensorBoardHistogram(values: values, bucketCount: bucketCount)
        } catch {
            throw error.tagged(tag)
        }
        try addHistogram(tag: tag, histogram, step: step, wallTime: wallTime)
    }

    /// Appends a histogram of a tensor's elements (a layer's weights, gradients or activations) for
    /// `tag` at `step`, in equal-width buckets as for an array of values.
    public func addHistogram(tag: String, values: Tensor, bucketCount: Int = 30, step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        try addHistogram(tag: tag, values: values.doubles(), bucketCount: bucketCount, step: step, wallTime: wallTime)
    }

    /// Appends a histogram built elsewhere (its own buckets and statistics) for `tag` at `step`.
    public func addHistogram(tag: String, _ histogram: TensorBoardHistogram, step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        var summary = try Self.value(tag: tag)
        summary.histo = .with {
            $0.min = histogram.min
            $0.max = histogram.max
            $0.num = histogram.count
            $0.sum = histogram.sum
            $0.sumSquares = histogram.sumSquares
            $0.bucketLimit = histogram.bucketLimits
            $0.bucket = histogram.bucketCounts
        }
        try write(summary, step: step, wallTime: wallTime)
    }

    /// Appends `text` (Markdown, as the text plugin renders it) for `tag` at `step`: a scalar
    /// `DT_STRING` tensor whose metadata names the `text` plugin, as `tf.summary.text` writes it.
    public func addText(tag: String, text: String, step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        var summary = try Self.value(tag: tag)
        // The text plugin's content is a TextPluginData message of version 0: no bytes at all.
        summary.metadata = Self.pluginMetadata(plugin: "text", content: Data())
        summary.tensor = .with {
            $0.dtype = .dtString
            $0.tensorShape = Tensorboard_TensorShapeProto()
            $0.stringVal = [Data(text.utf8)]
        }
        try write(summary, step: step, wallTime: wallTime)
    }

    /// Makes every event added so far durable (`fsync`); each was already visible to readers.
    public func flush() throws(TensorBoardError) {
        try records.flush()
    }

    /// Flushes and closes the file; later `add…` calls throw ``TensorBoardError/closed(path:)``.
    public func close() throws(TensorBoardError) {
        try records.close()
    }

    // MARK: Events

    /// A summary value for `tag`, or an error for a tag TensorBoard cannot file.
    static func value(tag: String) throws(TensorBoardError) -> Tensorboard_Summary.Value {
        guard !tag.isEmpty else { throw TensorBoardError.invalidTag(tag: tag, reason: "a tag cannot be empty") }
        var value = Tensorboard_Summary.Value()
        value.tag = tag
        return value
    }

    static func pluginMetadata(plugin: String, content: Data) -> Tensorboard_SummaryMetadata {
        .with {
            $0.pluginData.pluginName = plugin
            $0.pluginData.content = content
        }
    }

    /// Appends an event holding `value` at `step`.
    func write(_ value: Tensorboard_Summary.Value, step: Int, wallTime: Double?) throws(TensorBoardError) {
        var event = Tensorboard_Event()
        event.wallTime = wallTime ?? Self.now()
        event.step = Int64(step)
        event.summary.value = [value]
        try write(event, tag: value.tag)
    }

    private func write(_ event: Tensorboard_Event, tag: String) throws(TensorBoardError) {
        try records.write([Self.encoded(event, tag: tag)])
    }

    /// The message's bytes, with map entries in key order so the same values give the same file.
    static func encoded(_ message: some SwiftProtobuf.Message, tag: String) throws(TensorBoardError) -> [UInt8] {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        do {
            return try message.serializedBytes(options: options)
        } catch {
            throw TensorBoardError.encoding(tag: tag, reason: "\(error)")
        }
    }

    private static func now() -> Double { Date().timeIntervalSince1970 }

    /// Creates `path` and its missing parents, as `mkdir -p` does, failing with the system's reason
    /// (FileManager's errors on Linux lose it).
    private static func createDirectories(_ path: String) throws(TensorBoardError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try createDirectories(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            throw TensorBoardError.io(path: path, reason: "cannot create the directory: \(String(cString: strerror(errno)))")
        }
    }

    /// The host name as `gethostname(2)` gives it (what TensorFlow puts in the file name); not
    /// Foundation's, which may wait on a DNS lookup.
    private static func machineName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }
}
