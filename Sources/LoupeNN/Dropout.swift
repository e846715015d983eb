import LoupeCore

/// Zeroes inputs with probability `rate` during training (scaling the rest by 1/(1−rate)); the
/// identity in evaluation mode. Owns its random generator so a run resumes bit-identically.
public final class Dropout: Module {
    public let rate: Double
    /// The mask generator; saved in checkpoints.
    public var generator: RandomGenerator

    public init(_ rate: Double, seed: UInt64 = 0) throws {
        guard (0..<1).contains(rate) else {
            throw TensorError.invalidArgument(op: "Dropout", reason: "rate must be in [0, 1), got \(rate)")
        }
        self.rate = rate
        self.generator = RandomGenerator(seed: seed)
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        try x.dropout(rate, training: isTraining, using: &generator)
    }
}
