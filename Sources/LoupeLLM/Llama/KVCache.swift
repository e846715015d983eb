/// Keys and values of every past position, per layer: K and V [positions, kvHeads·headDim] in
/// float32. Capacity grows by doubling (a short chat never pays for the model's 8192-token
/// context); `count` positions are filled.
final class KVCache {
    let layers: Int, width: Int, limit: Int
    private(set) var capacity = 0
    /// Positions filled (the next token's position).
    var count = 0
    private(set) var keys: [UnsafeMutablePointer<Float>] = []
    private(set) var values: [UnsafeMutablePointer<Float>] = []

    init(layers: Int, width: Int, limit: Int) {
        self.layers = layers
        self.width = width
        self.limit = limit
    }

    deinit { release() }

    /// Bytes held.
    var byteCount: Int { 2 * layers * capacity * width * 4 }

    /// Makes room for `needed` positions in all.
    func reserve(_ needed: Int) throws {
        guard needed <= limit else {
            throw LLMError(message: "the context holds \(limit) tokens and \(needed) were asked for; start a new context or shorten the prompt")
        }
        guard needed > capacity else { return }
        let newCapacity = Swift.min(limit, Swift.max(needed, Swift.max(64, capacity * 2)))
        func grown(_ old: UnsafeMutablePointer<Float>?) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * width)
            if let old {
                p.update(from: old, count: count * width)
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
