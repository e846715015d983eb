import Foundation
import LoupeCore

/// CIFAR-10 in its binary version (https://www.cs.toronto.edu/~kriz/cifar.html).
///
/// Each record is 3,073 bytes: a label byte (0...9), then 1,024 red, 1,024 green and 1,024 blue pixel
/// bytes of a 32×32 image in row-major order, i.e. channels first (CHW).
public enum CIFAR10 {
    /// Bytes per record: 1 label byte + 3 × 32 × 32 pixel bytes.
    public static let recordSize = 3073
    /// The class names, in label order.
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

    /// Reads one batch file: inputs float32 [N, 3, 32, 32] scaled to [0, 1], targets int64 [N].
    public static func readBatch(_ path: String) throws -> TensorDataset {
        try parseBatch(FileBytes.readDecompressing(path), file: path)
    }

    /// Parses batch bytes already in memory; `file` names them in errors.
    public static func parseBatch(_ bytes: [UInt8], file: String) throws -> TensorDataset {
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            throw DataError.badSize(file: file, expected: "a positive multiple of \(recordSize) (1 label byte + 3072 pixel bytes per image)", found: bytes.count)
        }
        let n = bytes.count / recordSize
        var labels = [Int](repeating: 0, count: n)
        var pixels = [Float](repeating: 0, count: n * (recordSize - 1))
        for i in 0..<n {
            let record = i * recordSize
            let label = Int(bytes[record])
            guard label < classNames.count else {
                throw DataError.badHeader(file: file, field: "label of record \(i) (byte \(record))", expected: "a class in 0...9", found: "\(label)")
            }
            labels[i] = label
            let out = i * (recordSize - 1)
            for j in 0..<(recordSize - 1) { pixels[out + j] = Float(bytes[record + 1 + j]) / 255 }
        }
        return try TensorDataset(inputs: Tensor(pixels, shape: [n, 3, 32, 32]), targets: Tensor(indices: labels))
    }

    /// Loads `data_batch_1.bin` … `data_batch_5.bin` (train) or `test_batch.bin` (test) from
    /// `directory` (or its `cifar-10-batches-bin` subdirectory), joined in that order.
    public static func load(directory: String, train: Bool = true) throws -> TensorDataset {
        var dir = directory
        let nested = (directory as NSString).appendingPathComponent("cifar-10-batches-bin")
        if FileManager.default.fileExists(atPath: nested) { dir = nested }
        let names = train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
        let parts = try names.map { try readBatch((dir as NSString).appendingPathComponent($0)) }
        if parts.count == 1 { return parts[0] }
        let n = parts.reduce(0) { $0 + $1.count }
        return try TensorDataset(inputs: Tensor(parts.flatMap { $0.inputs.floats() }, shape: [n, 3, 32, 32]),
                                 targets: Tensor(indices: parts.flatMap { try $0.labels() }))
    }
}
