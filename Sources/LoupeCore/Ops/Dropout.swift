extension Tensor {
    /// Zeroes each element with probability `p` and scales the survivors by 1/(1−p) (inverted
    /// dropout, so evaluation needs no rescaling). Identity when not `training` or when p = 0.
    public func dropout(_ p: Double, training: Bool = true, using rng: inout RandomGenerator) throws -> Tensor {
        guard (0..<1).contains(p) else {
            throw TensorError.invalidArgument(op: "dropout", reason: "p must be in [0, 1), got \(p)")
        }
        guard training && p > 0 else { return self }
        let keep = try Tensor.bernoulli(shape, p: 1 - p, dtype: dtype, using: &rng)
        let mask = try Elementwise.unary(keep, ScaleKernel(factor: 1 / (1 - p)), op: "dropout")
        let out = try Elementwise.binary(self, mask, MulKernel(), op: "dropout")
        return try Tensor.record("dropout", inputs: [self], output: out) { g in [try g * mask] }
    }
}
