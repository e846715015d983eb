import Foundation
import LoupeCore
@testable import LoupeData

/// The path of a committed fixture under Fixtures/.
func fixture(_ path: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(path).path
}

/// A fresh temporary directory for files a test writes; removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("loupe-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }
}

/// An IDX file of unsigned bytes.
func idxBytes(_ dims: [Int], _ values: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, 8, UInt8(dims.count)]
    for d in dims { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return out + values
}

/// A dataset of N samples with inputs [N, 2] = (i, 10·i) and labels `labels`.
func rowDataset(labels: [Int]) throws -> TensorDataset {
    let n = labels.count
    return try TensorDataset(inputs: Tensor((0..<n).flatMap { [Float($0), Float(10 * $0)] }, shape: [n, 2]),
                             targets: Tensor(indices: labels))
}

/// The message of the error `body` throws, or "" if it throws none or not a DataError.
func dataErrorMessage(_ body: () throws -> Void) -> String {
    do {
        try body()
        return ""
    } catch let error as DataError {
        return error.description
    } catch {
        return ""
    }
}
