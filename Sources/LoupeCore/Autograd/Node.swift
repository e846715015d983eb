/// One recorded op in the autograd graph: what it was, where it ran, what it read, and how to
/// send a gradient back to its inputs.
///
/// Each op builds its output and, right beside it, the closure that maps the output's gradient to
/// its inputs' gradients (micrograd's contract). The closure runs with grad recording off.
public final class Node: @unchecked Sendable {
    /// The op's name, e.g. `"matmul"`, `"relu"`.
    public let op: String
    /// The module path active when the op ran, e.g. `"blocks.2.mlp.fc1"`; `nil` outside any module.
    public let modulePath: String?
    /// The op's tensor inputs (released after backward unless the graph is retained).
    public internal(set) var inputs: [Tensor]
    var backwardFn: ((Tensor) throws -> [Tensor?])?

    init(op: String, modulePath: String?, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.op = op
        self.modulePath = modulePath
        self.inputs = inputs
        self.backwardFn = backward
    }
}

/// Whether ops record the autograd graph (per thread).
public enum GradMode {
    /// Whether ops on this thread currently record the autograd graph.
    public static var isEnabled: Bool { ThreadState.current.gradEnabled }

    /// Runs `body` without recording the graph (inference, optimizer updates, metrics).
    @discardableResult
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R { try with(enabled: false, body) }

    /// Runs `body` with graph recording on this thread set to `enabled`, then restores it.
    static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let state = ThreadState.current
        let saved = state.gradEnabled
        state.gradEnabled = enabled
        defer { state.gradEnabled = saved }
        return try body()
    }
}

extension Tensor {
    /// Finishes an op: links `output` into the graph when any input needs a gradient and grad
    /// recording is on, then tells the forward hooks. Every op ends here, so every node knows its
    /// op name and module path.
    @inline(__always)
    static func record(
        _ op: String, inputs: [Tensor], output: Tensor, differentiable: Bool = true,
        backward: @escaping (Tensor) throws -> [Tensor?] = { _ in [] }
    ) throws -> Tensor {
        let state = ThreadState.current
        if differentiable && state.gradEnabled && inputs.contains(where: \.requiresGrad) {
            output.requiresGrad = true
            output.gradFn = Node(op: op, modulePath: state.modulePaths.last, inputs: inputs, backward: backward)
        }
        if state.hooksActive && state.forwardHooksPaused == 0 {
            try Hooks.fireForward(ForwardEvent(op: op, modulePath: state.modulePaths.last, inputs: inputs, output: output))
        }
        return output
    }

    /// A view of the same values cut from the graph: no gradient flows through it.
    public func detach() -> Tensor {
        Tensor(storage: storage, dtype: dtype, shape: shape, strides: strides, offset: offset)
    }
}
