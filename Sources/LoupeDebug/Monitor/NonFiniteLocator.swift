import LoupeCore
import LoupeNN

/// Finds the first op that turns finite numbers into NaN or infinity, in the forward or the
/// backward pass, or the optimizer step that did it to the weights.
///
/// PyTorch's `detect_anomaly` re-runs every backward function with extra bookkeeping and only looks
/// at the backward pass; this checks each op's output once with a SIMD pass (`isAllFinite`) and
/// stops looking after the first hit, so a healthy run pays one read of each tensor it makes.
public final class NonFiniteLocator {
    /// The first event found, if any.
    public private(set) var event: NonFiniteEvent?
    var step = 0
    private var handles: [HookHandle] = []

    public init() {}

    /// Starts listening to this thread's ops.
    func attach() {
        guard handles.isEmpty else { return }
        // Weak: a monitor dropped without `trainEnded` must not leave a dangling hook behind.
        handles.append(Hooks.addForwardHook { [weak self] e in self?.forward(e) })
        handles.append(Hooks.addBackwardHook { [weak self] e in self?.backward(e) })
    }

    func detach() {
        handles.forEach { $0.remove() }
        handles.removeAll()
    }

    /// Ops that move or repeat their input's values without computing new ones: they cannot be
    /// where a NaN or infinity starts, and checking their strided outputs (a transposed weight)
    /// would cost a copy each.
    static let valuePreserving: Set<String> = ["reshape", "permute", "slice", "expand", "contiguous"]

    private func forward(_ e: ForwardEvent) {
        guard event == nil, !Self.valuePreserving.contains(e.op), e.output.dtype.isFloatingPoint, !e.output.isAllFinite else { return }
        // An op fed non-finite inputs is not the origin; the origin was reported (or was the data).
        guard e.inputs.allSatisfy({ !$0.dtype.isFloatingPoint || $0.isAllFinite }) else { return }
        event = NonFiniteEvent(phase: .forward, step: step, op: e.op, modulePath: e.modulePath,
                               inputs: e.inputs.map(Self.summary), output: Self.summary(e.output))
    }

    private func backward(_ e: BackwardEvent) {
        guard event == nil, !Self.valuePreserving.contains(e.op) else { return }
        guard e.gradInputs.contains(where: { $0.map { $0.dtype.isFloatingPoint && !$0.isAllFinite } ?? false }) else { return }
        guard e.gradOutput.isAllFinite, e.inputs.allSatisfy({ !$0.dtype.isFloatingPoint || $0.isAllFinite }) else { return }
        event = NonFiniteEvent(phase: .backward, step: step, op: e.op, modulePath: e.modulePath,
                               inputs: [Self.summary(e.gradOutput)] + e.inputs.map(Self.summary),
                               output: e.gradInputs.compactMap { $0 }.first { !$0.isAllFinite }.map(Self.summary))
    }

    /// Checks the batch before the model sees it.
    func checkInputs(_ inputs: Tensor) {
        guard event == nil, inputs.dtype.isFloatingPoint, !inputs.isAllFinite else { return }
        event = NonFiniteEvent(phase: .data, step: step, op: "input batch", modulePath: nil, inputs: [Self.summary(inputs)], output: nil)
    }

    /// Checks the weights: as initialized (`phase: .initialization`, before the first step) or
    /// after an optimizer step (`.update`).
    func checkWeights(_ parameters: [(name: String, parameter: Parameter)], phase: NonFiniteEvent.Phase = .update) {
        guard event == nil else { return }
        for (name, p) in parameters where !p.value.isAllFinite {
            let path = name.split(separator: ".").dropLast().joined(separator: ".")
            event = NonFiniteEvent(phase: phase, step: phase == .initialization ? 0 : step,
                                   op: phase == .initialization ? "initialization (\(name))" : "optimizer step (\(name))", modulePath: path,
                                   inputs: p.grad.map { [Self.summary($0)] } ?? [], output: Self.summary(p.value))
            return
        }
    }

    static func summary(_ t: Tensor) -> TensorSummary {
        let s = t.statistics()
        return TensorSummary(shape: t.shape, mean: s.count > 0 ? s.mean : nil, std: s.count > 0 ? s.standardDeviation : nil,
                             min: s.count > 0 ? s.min : nil, max: s.count > 0 ? s.max : nil, nonFinite: s.nonFinite)
    }
}
