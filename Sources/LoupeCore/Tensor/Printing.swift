import Foundation

extension Tensor: CustomStringConvertible {
    /// NumPy-style: dtype and shape, then the values nested by dimension; large dimensions show
    /// their first and last 3 entries around `...`.
    ///
    /// ```
    /// float32 [2, 3] [[1, 2, 3], [4, 5, 6]]
    /// ```
    public var description: String {
        var header = "\(dtype) \(shape)"
        if let fn = gradFn { header += " (\(fn.op)\(fn.modulePath.map { " in \($0)" } ?? ""))" }
        else if requiresGrad { header += " requiresGrad" }
        return header + " " + formatted()
    }

    /// The values only, nested by dimension.
    public func formatted(edgeItems: Int = 3, threshold: Int = 1000) -> String {
        let values = doubles()
        let summarize = values.count > threshold
        let strides = Shape.contiguousStrides(shape)
        let isInteger = dtype == .int64 || values.allSatisfy { $0 == $0.rounded() && Swift.abs($0) < 1e15 }
        func number(_ v: Double) -> String {
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            if isInteger { return String(Int(v)) }
            let a = Swift.abs(v)
            if a != 0 && (a < 1e-4 || a >= 1e6) { return String(format: "%.4e", v) }
            return String(format: "%.4f", v)
        }
        func render(_ dim: Int, _ base: Int) -> String {
            if dim == shape.count { return number(values[base]) }
            let n = shape[dim]
            var parts: [String] = []
            if summarize && n > 2 * edgeItems {
                parts = (0..<edgeItems).map { render(dim + 1, base + $0 * strides[dim]) } + ["..."]
                    + (n - edgeItems..<n).map { render(dim + 1, base + $0 * strides[dim]) }
            } else {
                parts = (0..<n).map { render(dim + 1, base + $0 * strides[dim]) }
            }
            let separator = dim == shape.count - 1 ? ", " : ",\n" + String(repeating: " ", count: dim + 1)
            return "[" + parts.joined(separator: separator) + "]"
        }
        return values.isEmpty && !shape.isEmpty ? "[]" : render(0, 0)
    }
}
