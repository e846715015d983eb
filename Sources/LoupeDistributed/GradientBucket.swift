import LoupeCore

/// Consecutive parameters whose gradients are reduced as one message.
///
/// DDP's scheme: parameters are taken in reverse order of registration — the order in which the
/// backward pass finishes their gradients, last layer first — and packed into buckets of about
/// `capacity` bytes. A bucket's reduction starts as soon as its last gradient is in, while the
/// backward pass goes on computing the earlier layers'. Larger buckets cost fewer messages (each
/// pays the network's latency once); smaller ones start sooner and overlap more.
///
/// Layout of ``values``: each member's gradient, flat, at its offset, then one float per member
/// that is 1 when this rank has a gradient for it (summed, it counts the ranks that had one: a
/// parameter no rank had a gradient for keeps `grad == nil`, as in one process).
final class GradientBucket {
    let index: Int
    /// Indices into the trainer's parameter list.
    let members: [Int]
    let offsets: [Int]
    let counts: [Int]
    /// The gradients' floats (the flags follow them).
    let gradientCount: Int
    let values: UnsafeMutableBufferPointer<Float>
    /// With deterministic reduction: every rank's `values`, in rank order.
    let gathered: UnsafeMutableBufferPointer<Float>?

    var filled: [Bool]
    var filledCount = 0
    var operation: PendingOperation?
    var launchedAt: UInt64 = 0
    var completedAt: UInt64?

    init(index: Int, members: [Int], counts: [Int], ranks: Int, deterministic: Bool) {
        self.index = index
        self.members = members
        self.counts = counts
        var offsets: [Int] = [], total = 0
        for c in counts { offsets.append(total); total += c }
        self.offsets = offsets
        gradientCount = total
        values = .allocate(capacity: total + members.count)
        values.initialize(repeating: 0)
        gathered = deterministic ? .allocate(capacity: (total + members.count) * ranks) : nil
        gathered?.initialize(repeating: 0)
        filled = Array(repeating: false, count: members.count)
    }

    deinit {
        values.deallocate()
        gathered?.deallocate()
    }

    var isFull: Bool { filledCount == members.count }
    var flagOffset: Int { gradientCount }

    func reset() {
        for i in filled.indices { filled[i] = false }
        filledCount = 0
        operation = nil
        completedAt = nil
    }

    /// Copies member `slot`'s gradient in (zeros and a 0 flag when it has none).
    func fill(slot: Int, gradient: Tensor?) throws {
        guard !filled[slot] else { return }
        let target = UnsafeMutableBufferPointer(rebasing: values[offsets[slot]..<(offsets[slot] + counts[slot])])
        if let gradient {
            guard gradient.count == counts[slot] else {
                throw TensorError.invalidShape(op: "data-parallel gradient", shape: gradient.shape,
                                               reason: "expected \(counts[slot]) elements, as the parameter has")
            }
            let g = gradient.dtype == .float32 ? gradient : try GradMode.withoutGrad { try gradient.to(.float32) }
            try g.withContiguousFloats { source in
                if let from = source.baseAddress { target.baseAddress?.update(from: from, count: source.count) }
            }
            values[flagOffset + slot] = 1
        } else {
            target.update(repeating: 0)
            values[flagOffset + slot] = 0
        }
        filled[slot] = true
        filledCount += 1
    }

    /// After a deterministic gather: every rank's values summed in rank order, into ``values``
    /// (the same additions in the same order on every rank, whatever MPI's algorithm).
    func sumGathered(ranks: Int) {
        guard let gathered else { return }
        let n = values.count
        for j in 0..<n { values[j] = gathered[j] }
        for r in 1..<max(ranks, 1) {
            let base = r * n
            for j in 0..<n { values[j] += gathered[base + j] }
        }
    }

    /// Packs parameters, given by element count in registration order, into buckets of about
    /// `capacityBytes`, last parameter first; a parameter larger than that is a bucket alone.
    static func plan(counts: [Int], capacityBytes: Int) -> [[Int]] {
        var buckets: [[Int]] = [], current: [Int] = [], bytes = 0
        for i in counts.indices.reversed() {
            let size = counts[i] * MemoryLayout<Float>.size
            if !current.isEmpty && bytes + size > capacityBytes {
                buckets.append(current)
                (current, bytes) = ([], 0)
            }
            current.append(i)
            bytes += size
        }
        if !current.isEmpty { buckets.append(current) }
        return buckets
    }
}
