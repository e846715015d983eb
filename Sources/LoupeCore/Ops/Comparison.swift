// Comparisons give 0/1 masks of the operands' float dtype (usable directly as multipliers) and
// carry no gradient; `where` selects between two tensors and routes the gradient accordingly.

struct CompareKernel: BinaryKernel {
    enum Relation { case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual }
    let relation: Relation
    @inline(__always) func callAsFunction<T: TensorScalar>(_ a: SIMD16<T>, _ b: SIMD16<T>) -> SIMD16<T> {
        let mask: SIMDMask<SIMD16<T.SIMDMaskScalar>>
        switch relation {
        case .equal: mask = T.eq(a, b)
        case .notEqual: mask = T.ne(a, b)
        case .less: mask = T.lt(a, b)
        case .lessOrEqual: mask = T.le(a, b)
        case .greater: mask = T.lt(b, a)
        case .greaterOrEqual: mask = T.le(b, a)
        }
        return SIMD16<T>().replacing(with: 1, where: mask)
    }
}

extension Tensor {
    private func compare(_ other: Tensor, _ relation: CompareKernel.Relation, _ op: String) throws -> Tensor {
        let out = try Elementwise.binary(self, other, CompareKernel(relation: relation), op: op)
        return try Tensor.record(op, inputs: [self, other], output: out, differentiable: false)
    }

    /// 1 where `self == other`, else 0.
    public func eq(_ other: Tensor) throws -> Tensor { try compare(other, .equal, "eq") }
    /// 1 where `self != other`, else 0.
    public func ne(_ other: Tensor) throws -> Tensor { try compare(other, .notEqual, "ne") }
    /// 1 where `self < other`, else 0.
    public func lt(_ other: Tensor) throws -> Tensor { try compare(other, .less, "lt") }
    /// 1 where `self <= other`, else 0.
    public func le(_ other: Tensor) throws -> Tensor { try compare(other, .lessOrEqual, "le") }
    /// 1 where `self > other`, else 0.
    public func gt(_ other: Tensor) throws -> Tensor { try compare(other, .greater, "gt") }
    /// 1 where `self >= other`, else 0.
    public func ge(_ other: Tensor) throws -> Tensor { try compare(other, .greaterOrEqual, "ge") }

    public func eq(_ value: Double) throws -> Tensor { try eq(scalarLike(value)) }
    public func ne(_ value: Double) throws -> Tensor { try ne(scalarLike(value)) }
    public func lt(_ value: Double) throws -> Tensor { try lt(scalarLike(value)) }
    public func le(_ value: Double) throws -> Tensor { try le(scalarLike(value)) }
    public func gt(_ value: Double) throws -> Tensor { try gt(scalarLike(value)) }
    public func ge(_ value: Double) throws -> Tensor { try ge(scalarLike(value)) }

    /// `condition != 0 ? a : b`, element-wise with broadcasting over all three.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        guard a.dtype == b.dtype, condition.dtype.isFloatingPoint || condition.dtype == .int64 else {
            throw TensorError.dtypeMismatch(op: "where", got: b.dtype, expected: "\(a.dtype), like the first branch")
        }
        let shape = try Shape.broadcast(Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let mask = try condition.to(a.dtype).ne(a.scalarLike(0))
        let out = Tensor(shape: shape, dtype: a.dtype, zeroed: false)
        switch a.dtype {
        case .float32: select(mask, a, b, into: out, Float.self)
        case .float64: select(mask, a, b, into: out, Double.self)
        case .int64: throw TensorError.dtypeMismatch(op: "where", got: a.dtype, expected: "float32 or float64")
        }
        return try record("where", inputs: [a, b], output: out) { g in
            [a.requiresGrad ? try (g * mask).sumToShape(a.shape) : nil,
             b.requiresGrad ? try (g * (1 - mask)).sumToShape(b.shape) : nil]
        }
    }

    private static func select<T: TensorScalar>(_ mask: Tensor, _ a: Tensor, _ b: Tensor, into out: Tensor, _: T.Type) {
        let s = out.shape
        let loop = StridedLoop(shape: s, strides: [
            out.strides,
            Shape.broadcastStrides(shape: mask.shape, strides: mask.strides, to: s),
            Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: s),
            Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: s),
        ])
        let n = loop.innerCount
        let sm = loop.innerStride(1), sa = loop.innerStride(2), sb = loop.innerStride(3)
        let d = out.base(T.self), pm = mask.base(T.self), pa = a.base(T.self), pb = b.base(T.self)
        loop.forEachRow(0..<loop.outerCount) { o in
            for i in 0..<n {
                d[o[0] + i] = pm[o[1] + i * sm] != 0 ? pa[o[2] + i * sa] : pb[o[3] + i * sb]
            }
        }
    }
}
