import CLoupeKernels

// Products A·B repeated with one B: a recurrent layer multiplies its hidden state by the same
// weight at every time step, with a small M (the batch). BLAS re-packs B on each call (a 4 MB copy
// per 67 MFLOP for W4's LSTM); packing it once per forward pass and using the packed GEMM kernel
// (CLoupeKernels/packed_gemm.c) does the same products ~1.7× faster.

/// A float32 matrix B [K, N], packed once for many products A·B (``Tensor/matmul(_:)-(PackedMatrix)``).
///
/// Pack a weight after each optimizer step (a pack holds a copy of the values at packing time).
/// Where the CPU has no packed kernel (no AVX-512) or the matrix is not float32, products go
/// through BLAS with ``matrix`` itself, so code can use a pack unconditionally.
public final class PackedMatrix {
    /// The operand B [K, N] as given (often a transposed view of a weight, Wᵀ); gradients flow to it.
    public let matrix: Tensor
    /// B in the kernel's panel layout; nil when products go through BLAS.
    private let panels: [Float]?
    /// Bᵀ packed, for the gradient g·Bᵀ: made on the first backward.
    private var transposedPanels: [Float]?

    /// Packs `matrix` ([K, N]) for products against it.
    public init(_ matrix: Tensor) throws {
        guard matrix.rank == 2 else {
            throw TensorError.invalidShape(op: "pack", shape: matrix.shape, reason: "expected a matrix [K, N]")
        }
        self.matrix = matrix
        panels = Self.usesKernel(matrix) ? Self.pack(matrix) : nil
    }

    /// Whether products with `matrix` go through the packed kernel (false: through BLAS).
    public var isPacked: Bool { panels != nil }

    static func usesKernel(_ matrix: Tensor) -> Bool {
        matrix.dtype == .float32 && matrix.count > 0 && loupe_gemm_packed_available() != 0
            && matrix.shape.allSatisfy { $0 <= Int(Int32.max) }
    }

    /// B's panels: 32 columns each, K rows of 32 floats (packed_gemm.c).
    static func pack(_ b: Tensor) -> [Float] {
        let k = b.shape[0], n = b.shape[1]
        defer { withExtendedLifetime(b) {} }  // the C function reads through a raw pointer, at any strides
        return [Float](unsafeUninitializedCapacity: loupe_gemm_packed_floats(Int32(k), Int32(n))) { buffer, initialized in
            loupe_gemm_pack(b.base(Float.self), Int32(k), Int32(n), b.strides[0], b.strides[1], buffer.baseAddress!)
            initialized = buffer.count
        }
    }

    /// a [M, K] · the packed [K, N] → [M, N] (no graph).
    static func product(_ a: Tensor, _ panels: [Float], k: Int, n: Int) -> Tensor {
        let rows = a.strides[1] == 1 || a.shape[1] == 1 ? a : a.contiguousStorage()
        let m = rows.shape[0], lda = m > 1 ? rows.strides[0] : k
        let out = Tensor(shape: [m, n], dtype: .float32, zeroed: false)
        defer { withExtendedLifetime(rows) {} }
        let pa = rows.base(Float.self), pc = out.base(Float.self)
        let panelCount = (n + 31) / 32
        panels.withUnsafeBufferPointer { packed in
            Parallel.forChunks(panelCount, costPerItem: m * k * 32 / 8) { range in
                _ = loupe_gemm_packed(pa, lda, Int32(m), packed.baseAddress!, Int32(k), Int32(n), pc, n, 0,
                                      Int32(range.lowerBound), Int32(range.upperBound))
            }
        }
        return out
    }

    /// g [M, N] · Bᵀ → [M, K], packing Bᵀ on first use.
    fileprivate func productWithTranspose(_ g: Tensor) throws -> Tensor {
        let panels: [Float]
        if let made = transposedPanels {
            panels = made
        } else {
            panels = Self.pack(try matrix.detach().transposed())
            transposedPanels = panels
        }
        return Self.product(g, panels, k: matrix.shape[1], n: matrix.shape[0])
    }

    fileprivate var packedPanels: [Float]? { panels }
}

extension Tensor {
    /// The matrix product self [M, K] · B [K, N] with B packed (`matmul` to hooks and the
    /// profiler, like any product); gradients reach `packed.matrix` as with `matmul(packed.matrix)`.
    public func matmul(_ packed: PackedMatrix) throws -> Tensor {
        let b = packed.matrix
        guard rank == 2, dtype == .float32, b.dtype == .float32, let panels = packed.packedPanels else { return try matmul(b) }
        let k = b.shape[0], n = b.shape[1]
        guard shape[1] == k else {
            throw TensorError.shapeMismatch(op: "matmul", lhs: shape, rhs: b.shape,
                                            expected: "the last dimension of the left (\(shape[1])) must equal the second-to-last of the right (\(k))")
        }
        let out = shape[0] == 0 ? Tensor(shape: [0, n], dtype: .float32) : PackedMatrix.product(self, panels, k: k, n: n)
        return try Tensor.record("matmul", inputs: [self, b], output: out) { [self] g in
            let gradB: Tensor?
            if !b.requiresGrad {
                gradB = nil
            } else if b.gradFn != nil {
                // As `matmul`: a transposed weight reused at every step, its steps' products summed
                // by the accumulator in one GEMM.
                gradB = Tensor.deferredGradient(leftRows: self, right: g, shape: b.shape)
            } else {
                gradB = try self.transposed().matmul(g)
            }
            return [requiresGrad && shape[0] > 0 ? try packed.productWithTranspose(g) : (requiresGrad ? Tensor.zeros(shape) : nil), gradB]
        }
    }
}
