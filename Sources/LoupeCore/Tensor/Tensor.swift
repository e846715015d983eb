/// An n-dimensional array with reverse-mode automatic differentiation.
///
/// A tensor is a view: `shape` and `strides` (in elements) over a shared ``TensorStorage`` starting at
/// `offset`. Reshape, transpose, slicing and expand make new views without copying; ops write new
/// contiguous tensors. Tensors are reference types because the autograd graph links them.
///
/// ```swift
/// let x = Tensor([1, 2, 3, 4], shape: [2, 2], requiresGrad: true)
/// let y = try (x * x).sum()
/// try y.backward()
/// print(x.grad!)  // float32 [2, 2] [[2, 4], [6, 8]]
/// ```
public final class Tensor: @unchecked Sendable {
    public let dtype: DType
    public let shape: [Int]
    /// Element strides of each dimension (0 on broadcast dimensions of an expanded view).
    public let strides: [Int]
    /// Offset of the first element in `storage`, in elements.
    public let offset: Int
    public let storage: TensorStorage

    /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs to check).
    public var requiresGrad: Bool
    /// The accumulated gradient, filled by ``backward(_:retainGraph:)`` on leaves (and on tensors
    /// that called ``retainGrad()``).
    public var grad: Tensor? {
        didSet { ownsGrad = false }   // a tensor set from outside is never modified in place
    }
    /// The node that produced this tensor, or `nil` for leaves and tensors made without grad.
    public internal(set) var gradFn: Node?
    var retainsGrad = false
    /// Whether `grad` is a buffer this tensor allocated (so backward may add into it in place).
    var ownsGrad = false
    /// Set on a backward-pass gradient that covers only a slice of its target (see `SliceRegion`).
    var sliceRegion: SliceRegion?
    /// Set on a backward-pass gradient not computed yet (see `DeferredProduct`).
    var deferredProduct: DeferredProduct?

    init(storage: TensorStorage, dtype: DType, shape: [Int], strides: [Int], offset: Int) {
        self.storage = storage
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.requiresGrad = false
    }

    /// A new contiguous tensor; zero-filled unless `zeroed` is false (then every element must be written).
    init(shape: [Int], dtype: DType, zeroed: Bool = true) {
        let n = Shape.count(shape)
        self.storage = TensorStorage(byteCount: n * dtype.byteSize, zeroed: zeroed)
        self.dtype = dtype
        self.shape = shape
        self.strides = Shape.contiguousStrides(shape)
        self.offset = 0
        self.requiresGrad = false
    }

    // MARK: Creation

    /// A new contiguous tensor filled from `values` (row-major).
    private convenience init<T>(copying values: [T], shape: [Int], dtype: DType, requiresGrad: Bool, _ caller: String) {
        precondition(Shape.count(shape) == values.count, "\(caller): \(values.count) values cannot fill shape \(shape)")
        self.init(shape: shape, dtype: dtype, zeroed: false)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.pointer(as: T.self).update(from: base, count: values.count) }
        }
        self.requiresGrad = requiresGrad
    }

    /// A float32 tensor holding `values` in row-major order.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        self.init(copying: values, shape: shape, dtype: .float32, requiresGrad: requiresGrad, "Tensor(_:shape:)")
    }

    /// A float32 tensor holding a copy of `values` (row-major): for code that computes in its own
    /// buffers, such as the LLM runtime's hook points.
    public convenience init(copying values: UnsafeBufferPointer<Float>, shape: [Int]) {
        precondition(Shape.count(shape) == values.count, "Tensor(copying:shape:): \(values.count) values cannot fill shape \(shape)")
        self.init(shape: shape, dtype: .float32, zeroed: false)
        if let base = values.baseAddress { storage.pointer(as: Float.self).update(from: base, count: values.count) }
    }

    /// A float32 tensor whose values `fill` writes, every one of them, straight into its fresh
    /// storage: for kernels outside the engine's ops that compute in place (the int8 layers), so
    /// their output is not copied once more.
    public convenience init(shape: [Int], filling fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) rethrows {
        self.init(shape: shape, dtype: .float32, zeroed: false)
        try fill(UnsafeMutableBufferPointer(start: storage.pointer(as: Float.self), count: Shape.count(shape)))
    }

    /// A float64 tensor holding `values` in row-major order.
    public convenience init(float64 values: [Double], shape: [Int], requiresGrad: Bool = false) {
        self.init(copying: values, shape: shape, dtype: .float64, requiresGrad: requiresGrad, "Tensor(float64:shape:)")
    }

    /// An int64 tensor of indices or labels.
    public convenience init(indices: [Int], shape: [Int]) {
        self.init(copying: indices, shape: shape, dtype: .int64, requiresGrad: false, "Tensor(indices:shape:)")
    }

    /// A 1-D int64 tensor of indices or labels.
    public convenience init(indices: [Int]) { self.init(indices: indices, shape: [indices.count]) }

    /// A rank-0 tensor.
    public convenience init(scalar: Float, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// All zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(shape: shape, dtype: dtype)
    }

    /// All ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        full(shape, value: 1, dtype: dtype)
    }

    /// Every element set to `value`.
    public static func full(_ shape: [Int], value: Double, dtype: DType = .float32) -> Tensor {
        let t = Tensor(shape: shape, dtype: dtype, zeroed: false)
        let n = t.count
        switch dtype {
        case .float32: t.storage.pointer(as: Float.self).update(repeating: Float(value), count: n)
        case .float64: t.storage.pointer(as: Double.self).update(repeating: value, count: n)
        case .int64: t.storage.pointer(as: Int.self).update(repeating: Int(value), count: n)
        }
        return t
    }

    /// `0, 1, ..., count-1`.
    public static func arange(_ count: Int, dtype: DType = .float32) -> Tensor {
        switch dtype {
        case .float32: Tensor((0..<count).map { Float($0) }, shape: [count])
        case .float64: Tensor(float64: (0..<count).map { Double($0) }, shape: [count])
        case .int64: Tensor(indices: Array(0..<count))
        }
    }

    // MARK: Properties

    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { Shape.count(shape) }
    /// Whether the elements are laid out densely in row-major order from `offset`.
    public var isContiguous: Bool { strides == Shape.contiguousStrides(shape) || count <= 1 }
    /// A tensor made by an op with grad recorded, as opposed to a user-made leaf.
    public var isLeaf: Bool { gradFn == nil }

    /// Keep `grad` on this non-leaf tensor after backward (leaves always keep theirs).
    public func retainGrad() { retainsGrad = true }

    /// Pointer to the first element, typed; valid while the tensor is alive.
    @inline(__always)
    func base<T>(_: T.Type) -> UnsafeMutablePointer<T> { storage.pointer(as: T.self) + offset }

    // MARK: Reading values

    /// The elements in row-major order, converted to Float.
    public func floats() -> [Float] {
        let c = contiguousStorage()
        defer { withExtendedLifetime(c) {} }  // raw pointers below outlive its last use
        switch dtype {
        case .float32: return Array(UnsafeBufferPointer(start: c.base(Float.self), count: count))
        case .float64: return UnsafeBufferPointer(start: c.base(Double.self), count: count).map { Float($0) }
        case .int64: return UnsafeBufferPointer(start: c.base(Int.self), count: count).map { Float($0) }
        }
    }

    /// The elements in row-major order, converted to Double.
    public func doubles() -> [Double] {
        let c = contiguousStorage()
        defer { withExtendedLifetime(c) {} }  // raw pointers below outlive its last use
        switch dtype {
        case .float32: return UnsafeBufferPointer(start: c.base(Float.self), count: count).map { Double($0) }
        case .float64: return Array(UnsafeBufferPointer(start: c.base(Double.self), count: count))
        case .int64: return UnsafeBufferPointer(start: c.base(Int.self), count: count).map { Double($0) }
        }
    }

    /// The elements in row-major order as integers (floats are truncated).
    public func ints() -> [Int] {
        let c = contiguousStorage()
        defer { withExtendedLifetime(c) {} }  // raw pointers below outlive its last use
        switch dtype {
        case .int64: return Array(UnsafeBufferPointer(start: c.base(Int.self), count: count))
        default: return doubles().map { Int($0) }
        }
    }

    /// The single value of a one-element tensor.
    public func item() throws -> Double {
        guard count == 1 else {
            throw TensorError.invalidShape(op: "item", shape: shape, reason: "item() needs exactly one element")
        }
        return doubles()[0]
    }

    /// This tensor if contiguous, otherwise a contiguous copy made without recording grad.
    func contiguousStorage() -> Tensor {
        isContiguous ? self : StridedCopy.copy(self)
    }
}
