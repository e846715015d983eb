import RealModule

extension Tensor {
    private static func filled(_ shape: [Int], dtype: DType, _ next: () -> Double) throws -> Tensor {
        let t = Tensor(shape: shape, dtype: dtype, zeroed: false)
        switch dtype {
        case .float32: for i in 0..<t.count { t.base(Float.self)[i] = Float(next()) }
        case .float64: for i in 0..<t.count { t.base(Double.self)[i] = next() }
        case .int64: throw TensorError.dtypeMismatch(op: "random", got: dtype, expected: "float32 or float64")
        }
        return t
    }

    /// Uniform samples in [low, high).
    public static func uniform(_ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
                               using rng: inout RandomGenerator) throws -> Tensor {
        guard low <= high else { throw TensorError.invalidArgument(op: "uniform", reason: "low \(low) > high \(high)") }
        return try filled(shape, dtype: dtype) {
            dtype == .float32 ? low + (high - low) * Double(rng.nextFloat()) : low + (high - low) * rng.nextDouble()
        }
    }

    /// Normal samples with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
                              using rng: inout RandomGenerator) throws -> Tensor {
        guard std >= 0 else { throw TensorError.invalidArgument(op: "normal", reason: "std must be ≥ 0, got \(std)") }
        return try filled(shape, dtype: dtype) { mean + std * rng.nextNormal() }
    }

    /// 1 with probability `p`, else 0.
    public static func bernoulli(_ shape: [Int], p: Double, dtype: DType = .float32,
                                 using rng: inout RandomGenerator) throws -> Tensor {
        guard (0...1).contains(p) else { throw TensorError.invalidArgument(op: "bernoulli", reason: "p must be in [0, 1], got \(p)") }
        return try filled(shape, dtype: dtype) { Double(rng.nextFloat()) < p ? 1 : 0 }
    }

    /// A random permutation of `0..<count` as an int64 tensor.
    public static func randperm(_ count: Int, using rng: inout RandomGenerator) -> Tensor {
        Tensor(indices: rng.permutation(count))
    }
}

/// Weight initializers. Fans follow PyTorch: for a [out, in, k...] weight, fanIn = in·Πk, fanOut = out·Πk.
public enum Initializer: Sendable, Equatable {
    case zeros
    case constant(Double)
    /// U(−limit, limit).
    case uniform(limit: Double)
    /// N(0, std²).
    case normal(std: Double)
    /// Glorot/Xavier uniform: U(±√(6 / (fanIn + fanOut))).
    case xavierUniform
    /// Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)).
    case xavierNormal
    /// He/Kaiming uniform for ReLU: U(±√(6 / fanIn)).
    case heUniform
    /// He/Kaiming normal for ReLU: N(0, 2 / fanIn).
    case heNormal

    /// (fanIn, fanOut) of a weight of `shape`.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        switch shape.count {
        case 0: return (1, 1)
        case 1: return (shape[0], shape[0])
        default:
            let receptive = shape.dropFirst(2).reduce(1, *)
            return (shape[1] * receptive, shape[0] * receptive)
        }
    }

    /// A new tensor of `shape` drawn from this initializer.
    public func make(_ shape: [Int], dtype: DType = .float32, using rng: inout RandomGenerator) throws -> Tensor {
        let (fanIn, fanOut) = Initializer.fans(shape)
        switch self {
        case .zeros: return Tensor.zeros(shape, dtype: dtype)
        case let .constant(v): return Tensor.full(shape, value: v, dtype: dtype)
        case let .uniform(limit): return try Tensor.uniform(shape, low: -limit, high: limit, dtype: dtype, using: &rng)
        case let .normal(std): return try Tensor.normal(shape, std: std, dtype: dtype, using: &rng)
        case .xavierUniform:
            let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
            return try Tensor.uniform(shape, low: -limit, high: limit, dtype: dtype, using: &rng)
        case .xavierNormal:
            return try Tensor.normal(shape, std: (2.0 / Double(fanIn + fanOut)).squareRoot(), dtype: dtype, using: &rng)
        case .heUniform:
            let limit = (6.0 / Double(fanIn)).squareRoot()
            return try Tensor.uniform(shape, low: -limit, high: limit, dtype: dtype, using: &rng)
        case .heNormal:
            return try Tensor.normal(shape, std: (2.0 / Double(fanIn)).squareRoot(), dtype: dtype, using: &rng)
        }
    }
}
