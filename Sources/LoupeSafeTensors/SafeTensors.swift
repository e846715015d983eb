import Foundation
import LoupeCore

/// Reading and writing [safetensors](https://github.com/huggingface/safetensors) files, the tensor
/// format of the Hugging Face hub.
///
/// A file is an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
/// `{"dtype", "shape", "data_offsets"}` (plus an optional `"__metadata__"` of strings), then the
/// tensors' bytes, row-major and little-endian.
///
/// ```swift
/// let url = runDirectory.appendingPathComponent("weights.safetensors")
/// try SafeTensors.write(["fc.weight": w, "fc.bias": b], metadata: ["format": "pt"], to: url)
/// let file = try SafeTensors.read(contentsOf: url)
/// let w2 = try file.tensor("fc.weight")
/// ```
///
/// Reading validates every length, offset, shape and dtype before touching the data and throws a
/// ``SafeTensorsError`` naming the file, the tensor and the field (see `SafeTensorsReader`).
/// Writing produces the same bytes as Python's `safetensors.numpy.save_file` for the same arrays
/// (see `SafeTensorsWriter`), and replaces the target atomically.
///
/// See also: ``SafeTensorsFile``, ``SafeTensorsDType`` for the dtypes read and their conversions.
public enum SafeTensors {
    /// Reads and validates the safetensors file at `url`.
    ///
    /// - Throws: ``SafeTensorsError/io(path:reason:)`` if the file cannot be read, any other
    ///   ``SafeTensorsError`` case if its contents are not a valid safetensors file.
    public static func read(contentsOf url: URL) throws -> SafeTensorsFile {
        let path = url.path
        let data: Data
        do {
            // Read, not memory-mapped: a mapped file truncated by another process while it is
            // being read would kill this one with SIGBUS instead of throwing.
            data = try InputFile.read(path)
        } catch {
            throw SafeTensorsError.io(path: path, reason: error.reason)
        }
        return try read(data: data, source: path)
    }

    /// Reads and validates a safetensors file held in memory. `source` names it in error messages.
    public static func read(data: Data, source: String = "<data>") throws -> SafeTensorsFile {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws(SafeTensorsError) -> SafeTensorsFile in
            try SafeTensorsReader(source: source, bytes: raw).read()
        }
    }

    /// The bytes of a safetensors file holding `tensors` (float32 as `F32`, float64 as `F64`,
    /// int64 as `I64`) and `metadata` (no `__metadata__` block when empty).
    ///
    /// - Throws: ``SafeTensorsError/invalidArgument(tensor:reason:)`` for a tensor named `__metadata__`.
    /// `int8` names integer tensors stored as `I8` (quantized weights: a quarter of float32's
    /// bytes); they read back as int64 tensors like every integer type.
    public static func serialize(_ tensors: [String: Tensor], metadata: [String: String] = [:], int8: Set<String> = []) throws -> Data {
        let writer = try SafeTensorsWriter(tensors, metadata: metadata, int8: int8)
        var data = Data(capacity: writer.byteCount)
        writer.write { data.append(contentsOf: $0) }
        return data
    }

    /// Writes `tensors` and `metadata` to `url` as ``serialize(_:metadata:)`` lays them out.
    ///
    /// Atomic: the bytes go to a temporary file in the same directory, which is then renamed over
    /// `url`; if anything fails, `url` keeps its previous contents and no temporary file remains.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], int8: Set<String> = [], to url: URL) throws {
        let writer = try SafeTensorsWriter(tensors, metadata: metadata, int8: int8)
        do {
            try AtomicFile.write(to: url) { sink in try writer.write(to: sink) }
        } catch let error as AtomicFileError {
            throw SafeTensorsError.io(path: error.path, reason: error.reason)
        }
    }
}
