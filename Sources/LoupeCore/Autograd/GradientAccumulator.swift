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

extension Tensor {
    /// A gradient tensor that only covers a slice of the input it is for (see ``SliceRegion``).
    static func sliceGradient(_ g: Tensor, region: SliceRegion) -> Tensor {
        let piece = g.view(shape: g.shape, strides: g.strides, offset: g.offset)
        piece.sliceRegion = region
        return piece
    }

    /// The full-shape dense gradient this tensor stands for.
    func materializedGradient() -> Tensor {
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
    /// Sums this accumulator allocated itself, safe to modify in place.
    private var owned: Set<ObjectIdentifier> = []

    mutating func add(_ g: Tensor, for key: ObjectIdentifier) throws {
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

    mutating func remove(_ key: ObjectIdentifier) -> Tensor? {
        guard let t = sums.removeValue(forKey: key) else { return nil }
        owned.remove(ObjectIdentifier(t))
        return t
    }
}
