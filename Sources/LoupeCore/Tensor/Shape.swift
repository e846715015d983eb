/// Shape arithmetic shared by every op: element counts, strides, axes and NumPy broadcasting.
enum Shape {
    /// Number of elements of a shape (1 for a scalar).
    @inline(__always)
    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides, in elements.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s *= max(shape[i], 1)
        }
        return strides
    }

    /// Resolves a possibly negative axis against `rank`.
    static func axis(_ axis: Int, rank: Int, op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw TensorError.invalidAxis(op: op, axis: axis, rank: rank) }
        return a
    }

    /// Resolves a list of axes, sorted, without duplicates; `nil` means every axis.
    static func axes(_ axes: [Int]?, rank: Int, op: String) throws -> [Int] {
        guard let axes else { return Array(0..<rank) }
        let resolved = try axes.map { try axis($0, rank: rank, op: op) }
        guard Set(resolved).count == resolved.count else {
            throw TensorError.invalidArgument(op: op, reason: "axis listed twice in \(axes)")
        }
        return resolved.sorted()
    }

    /// The NumPy broadcast of two shapes: right-aligned, each pair equal or one of them 1.
    static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 {
                out[i] = da
            } else if da == 1 {
                out[i] = db
            } else {
                throw TensorError.shapeMismatch(
                    op: op, lhs: a, rhs: b,
                    expected: "each dimension (aligned from the right) must be equal or 1")
            }
        }
        return out
    }

    /// Strides that read a tensor of `shape`/`strides` as if broadcast to `target` (stride 0 on
    /// broadcast dimensions). `target` must be a valid broadcast of `shape`.
    static func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
        let lead = target.count - shape.count
        var out = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] == target[i + lead] && shape[i] != 1 {
            out[i + lead] = strides[i]
        }
        return out
    }
}
