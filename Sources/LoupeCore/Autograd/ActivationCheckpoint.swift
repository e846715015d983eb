/// Activation checkpointing (PyTorch's `torch.utils.checkpoint`): a piece of the forward pass
/// runs without keeping its intermediate tensors, only its input; the backward pass runs it again,
/// with the graph, and differentiates that. Memory for activations drops from every piece's to one
/// piece's at a time, for one more forward pass of compute.
///
/// ```swift
/// // x: [T, dim]; the block's adapters are its only parameters.
/// let y = try ActivationCheckpoint.run(x, parameters: block.parameters().map(\.value)) { try block($0) }
/// ```
public enum ActivationCheckpoint {
    /// `body(x)`, whose backward recomputes it. The gradients of `parameters` (the leaves `body`
    /// reads that need them) are accumulated by the recomputation's own backward pass.
    ///
    /// - Parameter rewind: called before the recomputation, so that `body` computes the same
    ///   function again (put a dropout mask generator back where the first pass found it), and
    ///   called with `false` after it (to put it back where the first pass left it).
    public static func run(_ x: Tensor, parameters: [Tensor], rewind: @escaping (Bool) -> Void = { _ in },
                           _ body: @escaping (Tensor) throws -> Tensor) throws -> Tensor {
        let trainable = parameters.filter(\.requiresGrad)
        guard GradMode.isEnabled, x.requiresGrad || !trainable.isEmpty else { return try body(x) }
        let output = try GradMode.withoutGrad { try body(x) }.detach()
        // The parameters are inputs only so that the node is recorded when x needs no gradient
        // (the first block of a model whose embedding is frozen); they get theirs directly.
        return try Tensor.record("checkpoint", inputs: [x] + trainable, output: output) { gradient in
            let input = x.detach()
            input.requiresGrad = x.requiresGrad
            rewind(true)
            defer { rewind(false) }
            let recomputed = try GradMode.withGrad { try body(input) }
            if recomputed.requiresGrad { try recomputed.backward(gradient) }
            return [x.requiresGrad ? input.grad : nil] + trainable.map { _ in nil }
        }
    }
}

extension GradMode {
    /// Runs `body` recording the graph, whatever the mode outside (inside a backward function,
    /// to recompute a checkpointed piece).
    @discardableResult
    public static func withGrad<R>(_ body: () throws -> R) rethrows -> R { try with(enabled: true, body) }
}
