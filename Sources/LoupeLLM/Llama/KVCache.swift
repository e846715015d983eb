/// Keys and values of every past position, per layer, in IEEE half precision (llama.cpp's default
/// f16 cache: at a 1,024-token context the cache is read once per token like the weights, and
/// halves stream twice as fast), head-major: K and V
/// [kvHeads, capacity, headDim], so one head's keys over the positions are one contiguous stream
/// (attention reads them head by head; interleaved rows made it fetch every head's bytes for
/// each one). Capacity grows by doubling (a short chat never pays for the model's 8192-token
/// context); `count` positions are filled.
final class KVCache {
    let layers: Int, kvHeads: Int, headDim: Int, limit: Int
    private(set) var capacity = 0
    /// Positions filled (the next token's position).
    var count = 0
    private var keys: [UnsafeMutablePointer<UInt16>] = []
    private var values: [UnsafeMutablePointer<UInt16>] = []

    init(layers: Int, kvHeads: Int, headDim: Int, limit: Int) {
        self.layers = layers
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.limit = limit
    }

    deinit { release() }

    /// Values per position across the heads.
    var width: Int { kvHeads * headDim }

    /// Bytes held.
    var byteCount: Int { 2 * layers * capacity * width * MemoryLayout<UInt16>.size }

    /// Head `head`'s keys at positions 0..<count of `layer` (half-precision bits), `headDim` apart.
    func keys(layer: Int, head: Int) -> UnsafePointer<UInt16> { UnsafePointer(keys[layer] + head * capacity * headDim) }

    /// Head `head`'s values, laid out as ``keys(layer:head:)``.
    func values(layer: Int, head: Int) -> UnsafePointer<UInt16> { UnsafePointer(values[layer] + head * capacity * headDim) }

    /// Stores `count` positions from `start` (within the capacity): k and v are [count, width],
    /// position-major as the projections make them, rounded to half precision (nearest even).
    func store(layer: Int, at start: Int, keys k: UnsafePointer<Float>, values v: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            for h in 0..<kvHeads {
                let to = (h * capacity + start + i) * headDim, from = i * width + h * headDim
                Self.halves(k + from, into: keys[layer] + to, count: headDim)
                Self.halves(v + from, into: values[layer] + to, count: headDim)
            }
        }
    }

    @inline(__always)
    private static func halves(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<UInt16>, count: Int) {
        for d in 0..<count { out[d] = Float16(x[d]).bitPattern }
    }

    /// Makes room for `needed` positions in all.
    func reserve(_ needed: Int) throws {
        guard needed <= limit else {
            throw LLMError(message: "the context holds \(limit) tokens and \(needed) were asked for; start a new context or shorten the prompt")
        }
        guard needed > capacity else { return }
        let newCapacity = Swift.min(limit, Swift.max(needed, Swift.max(64, capacity * 2)))
        func grown(_ old: UnsafeMutablePointer<UInt16>?) -> UnsafeMutablePointer<UInt16> {
            let p = UnsafeMutablePointer<UInt16>.allocate(capacity: newCapacity * width)
            if let old {
                for h in 0..<kvHeads { (p + h * newCapacity * headDim).update(from: old + h * capacity * headDim, count: count * headDim) }
                old.deallocate()
            }
            return p
        }
        keys = (0..<layers).map { grown(keys.isEmpty ? nil : keys[$0]) }
        values = (0..<layers).map { grown(values.isEmpty ? nil : values[$0]) }
        capacity = newCapacity
    }

    /// Forgets every position after the first `count` (rewinding a conversation).
    func truncate(to count: Int) { self.count = Swift.min(self.count, Swift.max(0, count)) }

    private func release() {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
        keys = []
        values = []
        capacity = 0
    }
}
