import LoupeCore

/// Seeded synthetic datasets for tests and quick experiments: the same arguments give the same
/// numbers on every machine.
public enum Synthetic {
    /// Gaussian blobs: each class has a centre drawn from N(0, spread²) per feature, and its samples
    /// are that centre plus N(0, 1) noise. Sample i belongs to class `i % classes`, so the classes
    /// are balanced and interleaved.
    ///
    /// - Returns: inputs float32 [samples, features], targets int64 [samples].
    public static func classification(samples: Int, features: Int, classes: Int, spread: Double = 3, seed: UInt64) throws -> TensorDataset {
        guard samples >= 1, features >= 1, classes >= 1, spread.isFinite, spread >= 0 else {
            throw DataError.invalidArgument(op: "Synthetic.classification",
                                            reason: "samples \(samples), features \(features), classes \(classes), spread \(spread): expected counts ≥ 1 and spread ≥ 0")
        }
        var g = RandomGenerator(seed: seed)
        let centres = (0..<(classes * features)).map { _ in spread * g.nextNormal() }
        var x = [Float](), y = [Int]()
        x.reserveCapacity(samples * features)
        for i in 0..<samples {
            let c = i % classes
            y.append(c)
            for f in 0..<features { x.append(Float(centres[c * features + f] + g.nextNormal())) }
        }
        return try TensorDataset(inputs: Tensor(x, shape: [samples, features]), targets: Tensor(indices: y))
    }

    /// A noisy linear target: inputs x ~ N(0, 1), weights W [features, outputs] and bias b [outputs]
    /// ~ N(0, 1), targets `x · W + b + noise · N(0, 1)`.
    ///
    /// - Returns: inputs float32 [samples, features], targets float32 [samples, outputs].
    public static func regression(samples: Int, features: Int, outputs: Int = 1, noise: Double = 0.1, seed: UInt64) throws -> TensorDataset {
        guard samples >= 1, features >= 1, outputs >= 1, noise.isFinite, noise >= 0 else {
            throw DataError.invalidArgument(op: "Synthetic.regression",
                                            reason: "samples \(samples), features \(features), outputs \(outputs), noise \(noise): expected counts ≥ 1 and noise ≥ 0")
        }
        var g = RandomGenerator(seed: seed)
        let w = (0..<(features * outputs)).map { _ in g.nextNormal() }
        let b = (0..<outputs).map { _ in g.nextNormal() }
        var x = [Float](), y = [Float]()
        x.reserveCapacity(samples * features)
        y.reserveCapacity(samples * outputs)
        for _ in 0..<samples {
            let row = (0..<features).map { _ in g.nextNormal() }
            x.append(contentsOf: row.map { Float($0) })
            for o in 0..<outputs {
                var t = b[o]
                for f in 0..<features { t += row[f] * w[f * outputs + o] }
                y.append(Float(t + noise * g.nextNormal()))
            }
        }
        return try TensorDataset(inputs: Tensor(x, shape: [samples, features]), targets: Tensor(y, shape: [samples, outputs]))
    }
}
