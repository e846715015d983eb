import Foundation
import LoupeCore

/// MNIST-style datasets (MNIST, Fashion-MNIST) from their IDX files.
public enum MNIST {
    /// Which of the two predefined parts to read.
    public enum Part: String, Sendable {
        case train
        case test = "t10k"
    }

    /// Images from an IDX file of dimension 3: float32 [N, rows, cols], bytes scaled from 0...255 to [0, 1].
    public static func images(_ path: String) throws -> Tensor {
        let idx = try IDXReader.read(path, dimensionCount: 3)
        return Tensor(idx.values.map { Float($0) / 255 }, shape: idx.dimensions)
    }

    /// Labels from an IDX file of dimension 1: int64 [N].
    public static func labels(_ path: String) throws -> Tensor {
        let idx = try IDXReader.read(path, dimensionCount: 1)
        return Tensor(indices: idx.values.map { Int($0) })
    }

    /// Loads `train-images-idx3-ubyte` and `train-labels-idx1-ubyte` (or the `t10k-` pair) from
    /// `directory`, each either raw or with `.gz` (the raw file is preferred when both exist).
    ///
    /// - Returns: inputs float32 [N, 28, 28] in [0, 1], targets int64 [N].
    public static func load(directory: String, part: Part = .train) throws -> TensorDataset {
        let imagesPath = try find(directory, "\(part.rawValue)-images-idx3-ubyte")
        let labelsPath = try find(directory, "\(part.rawValue)-labels-idx1-ubyte")
        let x = try images(imagesPath), y = try labels(labelsPath)
        guard x.shape[0] == y.shape[0] else {
            throw DataError.shapeMismatch(op: "MNIST.load", reason: "\(imagesPath) has \(x.shape[0]) images but \(labelsPath) has \(y.shape[0]) labels")
        }
        return try TensorDataset(inputs: x, targets: y)
    }

    /// Whether `directory` holds the files of `part`.
    public static func hasPart(_ part: Part, in directory: String) -> Bool {
        (try? find(directory, "\(part.rawValue)-images-idx3-ubyte")) != nil
    }

    private static func find(_ directory: String, _ name: String) throws -> String {
        let base = (directory as NSString).appendingPathComponent(name)
        // Some mirrors name the files `train-images.idx3-ubyte`.
        let dotted = (directory as NSString).appendingPathComponent(name.replacingOccurrences(of: "-idx", with: ".idx"))
        for candidate in [base, base + ".gz", dotted, dotted + ".gz"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw DataError.unreadable(file: base, reason: "neither it nor \(name).gz is in \(directory)")
    }
}
