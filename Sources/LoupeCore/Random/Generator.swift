/// The engine's seeded random number generator: xoshiro256** (Blackman & Vigna, 2018), its
/// 256-bit state filled from the seed by SplitMix64. Both are fully specified integer algorithms,
/// so the same seed gives the same numbers on every machine and every build.
///
/// Derived values are also fixed: a uniform Float takes the top 24 bits (`(x >> 40) · 2⁻²⁴`), a
/// uniform Double the top 53; normals use Box–Muller on two uniform Doubles; integers below a bound
/// use Lemire's unbiased multiply-and-reject method.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The full generator state; save it to resume a stream exactly (e.g. in a checkpoint).
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// Restores a generator from a saved ``state``.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) { self.state = state }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool {
        a.state.0 == b.state.0 && a.state.1 == b.state.1 && a.state.2 == b.state.2 && a.state.3 == b.state.3
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal sample (Box–Muller; the second value of each pair is discarded so that
    /// the stream position depends only on how many samples were drawn).
    @inline(__always)
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextDouble()  // (0, 1]: log stays finite
        let u2 = nextDouble()
        return (-2 * .log(u1)).squareRoot() * .cos(2 * .pi * u2)
    }

    /// Uniform integer in `0..<bound` (Lemire's method, unbiased).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// A uniformly random permutation of `0..<count` (Fisher–Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var p = Array(0..<count)
        if count < 2 { return p }
        for i in stride(from: count - 1, to: 0, by: -1) { p.swapAt(i, nextInt(below: i + 1)) }
        return p
    }
}

/// The process-wide generator used when no generator is passed explicitly.
public enum GlobalRandom {
    nonisolated(unsafe) public static var generator = RandomGenerator(seed: 0)

    /// Reseeds the process-wide generator (like `torch.manual_seed`).
    public static func seed(_ seed: UInt64) { generator = RandomGenerator(seed: seed) }
}
