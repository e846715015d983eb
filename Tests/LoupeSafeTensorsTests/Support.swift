import Foundation
import LoupeCore
@testable import LoupeSafeTensors

/// The committed fixtures made by scripts/golden/make_safetensors_fixtures.py with the reference
/// `safetensors` library, and the values it recorded for them.
enum Fixtures {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")!
    }

    static func data(_ name: String) -> Data { try! Data(contentsOf: url(name)) }

    /// `safetensors_expected.json`: file name → {"metadata", "tensors": name → {"dtype", "shape",
    /// "loupe_dtype", "values"}}.
    static let expected: [String: Any] = {
        let data = try! Data(contentsOf: url("safetensors_expected.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func file(_ name: String) -> [String: Any] { expected[name] as! [String: Any] }

    static func metadata(_ name: String) -> [String: String] { file(name)["metadata"] as! [String: String] }

    /// One recorded tensor per name.
    static func tensors(_ name: String) -> [String: Expected] {
        (file(name)["tensors"] as! [String: [String: Any]]).mapValues(Expected.init)
    }

    /// A tensor as the script recorded it; values are strings so nothing is rounded by JSON.
    struct Expected {
        let storedDType: String
        let dtype: DType
        let shape: [Int]
        let values: [String]

        init(_ json: [String: Any]) {
            storedDType = json["dtype"] as! String
            dtype = DType(rawValue: json["loupe_dtype"] as! String)!
            shape = (json["shape"] as! [NSNumber]).map(\.intValue)
            values = json["values"] as! [String]
        }

        /// The values as Loupe holds them: bit patterns for floats (so NaN and -0 compare exactly).
        var bitPatterns: [UInt64] {
            switch dtype {
            case .float32, .float64: values.map { UInt64($0.dropFirst(2), radix: 16)! }
            case .int64: values.map { UInt64(bitPattern: Int64($0)!) }
            }
        }

        /// The tensor with these values, for writing.
        var tensor: Tensor {
            let bits = bitPatterns
            switch dtype {
            case .float32: return Tensor(bits.map { Float(bitPattern: UInt32($0)) }, shape: shape)
            case .float64: return Tensor(float64: bits.map { Double(bitPattern: $0) }, shape: shape)
            case .int64: return Tensor(indices: bits.map { Int(Int64(bitPattern: $0)) }, shape: shape)
            }
        }
    }
}

/// A tensor's values as bit patterns, the form ``Fixtures/Expected/bitPatterns`` uses.
func bitPatterns(_ t: Tensor) -> [UInt64] {
    switch t.dtype {
    case .float32: t.floats().map { UInt64($0.bitPattern) }
    case .float64: t.doubles().map(\.bitPattern)
    case .int64: t.ints().map { UInt64(bitPattern: Int64($0)) }
    }
}

/// A safetensors file from a header written by hand and a data buffer.
func file(header: String, data: [UInt8] = []) -> Data {
    let json = Array(header.utf8)
    return Data(withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data)
}

/// A fresh empty directory under the system's temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-io-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
