/// Walks the elements of up to three same-shaped strided operands row by row.
///
/// Dimensions of size 1 are dropped and adjacent dimensions that are contiguous for every operand
/// are merged first, so a dense tensor becomes one long row and a bias broadcast over a batch
/// becomes `batch` rows with an inner stride of 1 — the inner loop is where kernels vectorise.
struct StridedLoop {
    private(set) var shape: [Int]
    private(set) var strides: [[Int]]

    init(shape: [Int], strides: [[Int]]) {
        var dims: [(size: Int, strides: [Int])] = []
        for d in 0..<shape.count where shape[d] != 1 {
            let s = strides.map { $0[d] }
            if let last = dims.last,
               zip(last.strides, s).allSatisfy({ $0 == $1 * shape[d] }) {
                dims[dims.count - 1] = (last.size * shape[d], s)
            } else {
                dims.append((shape[d], s))
            }
        }
        if dims.isEmpty { dims = [(1, strides.map { _ in 0 })] }
        self.shape = dims.map(\.size)
        self.strides = (0..<strides.count).map { k in dims.map { $0.strides[k] } }
    }

    /// Elements per row.
    var innerCount: Int { shape[shape.count - 1] }
    /// Number of rows.
    var outerCount: Int { shape.dropLast().reduce(1, *) }
    /// Inner stride of operand `k`.
    func innerStride(_ k: Int) -> Int { strides[k][shape.count - 1] }

    /// Calls `body(offsets)` with the starting element offset of each operand for rows in `rows`.
    @inline(__always)
    func forEachRow(_ rows: Range<Int>, _ body: (_ offsets: SIMD4<Int>) -> Void) {
        let outerRank = shape.count - 1
        if outerRank == 0 {
            if !rows.isEmpty { body(.zero) }
            return
        }
        // Odometer over the outer dimensions, started at the first row of the range.
        var index = [Int](repeating: 0, count: outerRank)
        var r = rows.lowerBound
        for d in stride(from: outerRank - 1, through: 0, by: -1) {
            index[d] = r % shape[d]
            r /= shape[d]
        }
        var offsets = SIMD4<Int>.zero
        for k in 0..<strides.count {
            for d in 0..<outerRank { offsets[k] += index[d] * strides[k][d] }
        }
        for _ in rows {
            body(offsets)
            var d = outerRank - 1
            while d >= 0 {
                index[d] += 1
                for k in 0..<strides.count { offsets[k] += strides[k][d] }
                if index[d] < shape[d] { break }
                for k in 0..<strides.count { offsets[k] -= strides[k][d] * shape[d] }
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// Copies any strided view into a new contiguous tensor (no grad recorded).
enum StridedCopy {
    static func copy(_ t: Tensor) -> Tensor {
        let out = Tensor(shape: t.shape, dtype: t.dtype, zeroed: false)
        switch t.dtype {
        case .float32: run(t, out, Float.self)
        case .float64: run(t, out, Double.self)
        case .int64: run(t, out, Int.self)
        }
        return out
    }

    /// Copies `src` (any strides) into `dst` (any strides) of the same shape.
    static func copy(_ src: Tensor, into dst: Tensor) {
        switch src.dtype {
        case .float32: run(src, dst, Float.self)
        case .float64: run(src, dst, Double.self)
        case .int64: run(src, dst, Int.self)
        }
    }

    private static func run<T>(_ src: Tensor, _ dst: Tensor, _: T.Type) {
        let loop = StridedLoop(shape: src.shape, strides: [dst.strides, src.strides])
        let n = loop.innerCount, ds = loop.innerStride(0), ss = loop.innerStride(1)
        let d = dst.base(T.self), s = src.base(T.self)
        loop.forEachRow(0..<loop.outerCount) { o in
            let dp = d + o[0], sp = s + o[1]
            if ds == 1 && ss == 1 {
                dp.update(from: sp, count: n)
            } else {
                for i in 0..<n { dp[i * ds] = sp[i * ss] }
            }
        }
    }
}

/// target += alpha · source for two same-shaped views with any strides (0 for broadcast), with a
/// SIMD inner loop when both rows are dense. Used by in-place updates and gradient accumulation,
/// so a transposed or expanded gradient is added without first being copied.
enum StridedAdd {
    static func run(into target: Tensor, _ source: Tensor, alpha: Double) {
        let loop = StridedLoop(shape: target.shape, strides: [target.strides, source.strides])
        let n = loop.innerCount, ts = loop.innerStride(0), ss = loop.innerStride(1)
        func kernel<T: TensorScalar>(_: T.Type) {
            let d = target.base(T.self), s = source.base(T.self), a = T(alpha), va = SIMD16<T>(repeating: a)
            Parallel.forChunks(loop.outerCount, costPerItem: n) { rows in
                loop.forEachRow(rows) { o in
                    let dp = d + o[0], sp = s + o[1]
                    if ts == 1 && ss == 1 {
                        var i = 0
                        while i + 16 <= n { store16(load16(dp + i).addingProduct(va, load16(sp + i)), dp + i); i += 16 }
                        while i < n { dp[i] += a * sp[i]; i += 1 }
                    } else {
                        for i in 0..<n { dp[i * ts] += a * sp[i * ss] }
                    }
                }
            }
        }
        if target.dtype == .float32 { kernel(Float.self) } else { kernel(Double.self) }
    }
}
