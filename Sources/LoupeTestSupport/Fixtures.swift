import Foundation
import LoupeCore
import Testing

/// Reading the JSON fixtures made by the scripts in scripts/golden/.
public enum Fixture {
    /// Parses a JSON fixture file.
    public static func load(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }

    /// A fixture tensor: `{"shape": [...], "data": [...]}` (float32) or `{"shape", "ints"}` (int64).
    public static func tensor(_ json: Any?) -> Tensor {
        let d = json as! [String: Any]
        let shape = (d["shape"] as! [NSNumber]).map(\.intValue)
        if let ints = d["ints"] as? [NSNumber] { return Tensor(indices: ints.map(\.intValue), shape: shape) }
        return Tensor((d["data"] as! [NSNumber]).map(\.floatValue), shape: shape)
    }
}

/// Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise, reporting the worst element.
public func expectClose(_ actual: Tensor, _ expected: Tensor, rtol: Double = 1e-4, atol: Double = 1e-5,
                        _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs expected \(expected.shape)",
            sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let a = actual.doubles(), e = expected.doubles()
    var worst = (excess: 0.0, index: -1)
    for i in a.indices {
        let excess = Swift.abs(a[i] - e[i]) - (atol + rtol * Swift.abs(e[i]))
        if excess > worst.excess || (a[i].isNaN != e[i].isNaN) { worst = (Swift.max(excess, 1), i) }
    }
    #expect(worst.index < 0,
            "\(what): element \(worst.index) is \(worst.index >= 0 ? a[worst.index] : 0), expected \(worst.index >= 0 ? e[worst.index] : 0)",
            sourceLocation: sourceLocation)
}
