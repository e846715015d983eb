import LoupeCore

/// Updates parameters from their gradients. `lr` may be changed between steps (schedules do).
///
/// Every optimizer keeps its per-parameter state as named tensors (`state`), so a checkpoint can
/// save it and `--resume` can continue bit-identically.
public protocol Optimizer: AnyObject {
    var parameters: [Parameter] { get }
    var lr: Double { get set }
    /// Steps taken so far.
    var stepCount: Int { get }
    /// Applies one update from the current gradients (parameters without a gradient are skipped).
    func step() throws
    /// Per-parameter state by name (`"0.momentum"`...) plus `"step"`.
    func stateDict() -> [String: Tensor]
    func load(stateDict: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters { p.value.zeroGrad() } }
}

/// Shared bookkeeping: named per-parameter slots (created lazily as zeros) and the step count.
public class OptimizerState {
    var slots: [String: Tensor] = [:]
    public internal(set) var stepCount = 0

    func slot(_ name: String, _ index: Int, like p: Tensor) -> Tensor {
        let key = "\(index).\(name)"
        if let t = slots[key] { return t }
        let t = Tensor.zeros(p.shape, dtype: p.dtype)
        slots[key] = t
        return t
    }

    public func stateDict() -> [String: Tensor] {
        var out = slots
        out["step"] = Tensor(indices: [stepCount], shape: [])
        return out
    }

    public func load(stateDict state: [String: Tensor]) throws {
        guard let step = state["step"], step.count == 1 else {
            throw TensorError.invalidArgument(op: "optimizer state", reason: "missing 'step'")
        }
        stepCount = step.ints()[0]
        slots = state.filter { $0.key != "step" }
    }
}
