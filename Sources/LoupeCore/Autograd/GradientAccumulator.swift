/// Where a slice's gradient belongs in its input: the input's shape and the sliced region.
///
/// Slice backward returns only the small gradient of the slice, tagged with this, instead of a
/// zero tensor of the input's full shape. The accumulator adds it straight into the region of
/// the input's gradient, so T per-step slices of a [B, T, F] tensor (an RNN unrolled over time)
/// cost O(B·T·F) rather than O(B·T²·F) in memory traffic and allocation.
struct SliceRegion {
    let fullShape: [Int]
    let axis: Int
    let start: Int
    let step: Int
}

/// A gradient left as a product `leftᵀ · right` ([R, M]ᵀ·[R, N] → [M, N]) instead of computed.
///
/// A weight used at every step of an unrolled RNN receives one such product per step. The
/// accumulator stacks their factors and computes the sum as one GEMM over all rows, instead of one
/// thin GEMM per step plus an add of the whole weight-sized result each time.
struct DeferredProduct {
    let leftRows: Tensor
    let right: Tensor
}

extension Tensor {
    /// A gradient of `shape` that is `leftRowsᵀ · right`, computed when first needed.
    static func deferredGradient(leftRows: Tensor, right: Tensor, shape: [Int]) -> Tensor {
        let marker = Tensor(storage: TensorStorage(byteCount: 0), dtype: right.dtype, shape: shape,
                            strides: Shape.contiguousStrides(shape), offset: 0)
        marker.deferredProduct = DeferredProduct(leftRows: leftRows, right: right)
        return marker
    }

    /// Σ leftᵢᵀ·rightᵢ as one product of the stacked factors.
    static func sumOfProducts(_ products: [DeferredProduct]) throws -> Tensor {
        try GradMode.withoutGrad {
            if products.count == 1 { return try products[0].leftRows.transposed().matmul(products[0].right) }
            let left = try Tensor.concat(products.map(\.leftRows), axis: 0)
            let right = try Tensor.concat(products.map(\.right), axis: 0)
            return try left.transposed().matmul(right)
        }
    }

    /// A gradient tensor that only covers a slice of the input it is for (see ``SliceRegion``).
    static func sliceGradient(_ g: Tensor, region: SliceRegion) -> Tensor {
        let piece = g.view(shape: g.shape, strides: g.strides, offset: g.offset)
        piece.sliceRegion = region
        return piece
    }

    /// The full-shape dense gradient this tensor stands for.
    func materializedGradient() -> Tensor {
        if let product = deferredProduct { return (try? Tensor.sumOfProducts([product])) ?? self }
        guard let region = sliceRegion else { return self }
        let full = Tensor.zeros(region.fullShape, dtype: dtype)
        full.addRegion(self, region)
        return full
    }

    /// self[region] += g, in place (self is a contiguous full-shape gradient).
    fileprivate func addRegion(_ g: Tensor, _ region: SliceRegion) {
        var regionStrides = strides
        regionStrides[region.axis] *= region.step
        let target = view(shape: g.shape, strides: regionStrides, offset: offset + region.start * strides[region.axis])
        StridedAdd.run(into: target, g, alpha: 1)
    }
}

/// Sums the gradients that reach one tensor during backward.
///
/// The running sum is a buffer the accumulator owns (nobody else holds it until backward hands it
/// to the producing op), so later contributions are added in place: no new tensor per addition.
struct GradientAccumulator {
    private var sums: [ObjectIdentifier: Tensor] = [:]
    private var products: [ObjectIdentifier: [DeferredProduct]] = [:]
    /// Sums this accumulator allocated itself, safe to modify in place.
    private var owned: Set<ObjectIdentifier> = []

    mutating func add(_ g: Tensor, for key: ObjectIdentifier) throws {
        if let product = g.deferredProduct {
            products[key, default: []].append(product)
            return
        }
        guard let existing = sums[key] else {
            if g.sliceRegion != nil {
                let full = g.materializedGradient()
                sums[key] = full
                owned.insert(ObjectIdentifier(full))
            } else {
                sums[key] = g
            }
            return
        }
        var target = existing
        if !owned.contains(ObjectIdentifier(existing)) || !existing.isContiguous {
            target = StridedCopy.copy(existing)
            owned.insert(ObjectIdentifier(target))
            sums[key] = target
        }
        if let region = g.sliceRegion {
            target.addRegion(g, region)
        } else {
            try target.addInPlace(g.shape == target.shape ? g : try GradMode.withoutGrad { try g.expanded(to: target.shape) })
        }
    }

    mutating func remove(_ key: ObjectIdentifier) throws -> Tensor? {
        if let pending = products.removeValue(forKey: key) {
            try add(try Tensor.sumOfProducts(pending), for: key)
        }
        guard let t = sums.removeValue(forKey: key) else { return nil }
        owned.remove(ObjectIdentifier(t))
        return t
    }
}
