import Foundation
import LoupeCore
import LoupeNN

/// Zeroes the smallest weights of a model's linear and convolution layers while it trains
/// (`[prune]`): the share rises from 0 to the target along Zhu & Gupta's cubic schedule,
/// s(t) = S·(1 − (1 − t/T)³) for t ≤ T = ramp·steps, recomputed every `every` steps and
/// re-applied after every optimizer step, so the optimizer cannot bring a pruned weight back.
///
/// The masks are not state to save: pruned weights are exactly zero, so after a resume the
/// same masks come back from the weights (the smallest magnitudes) at the schedule's sparsity.
public final class MagnitudePruning: TrainerCallback {
    public let sparsity: Double, scope: PruningScope, every: Int
    /// The step the sparsity reaches its target.
    public let rampSteps: Int
    /// Per prunable weight: 1 where it is kept, 0 where pruned (its dtype); nil: nothing pruned yet.
    private var masks: [(parameter: Parameter, mask: Tensor?)] = []

    public init(_ section: RunConfig.PruneSection, totalSteps: Int) {
        (sparsity, scope, every) = (section.sparsity, section.scope, section.every)
        rampSteps = max(1, Int((section.ramp * Double(totalSteps)).rounded()))
    }

    /// The weights pruned: every linear and convolution layer's.
    public static func prunable(_ model: Module) -> [(name: String, parameter: Parameter)] {
        model.namedModules().compactMap { path, module in
            if let l = module as? Linear { return (path.isEmpty ? "weight" : "\(path).weight", l.weight) }
            if let c = module as? Conv2d { return (path.isEmpty ? "weight" : "\(path).weight", c.weight) }
            return nil
        }
    }

    /// The schedule's sparsity at `step`.
    public func target(atStep step: Int) -> Double {
        let t = min(Double(step) / Double(rampSteps), 1)
        return sparsity * (1 - pow(1 - t, 3))
    }

    public func trainBegan(_ trainer: Trainer) throws {
        try update(trainer.model, step: trainer.step / every * every)
    }

    public func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {
        if trainer.step % every == 0 || trainer.step == rampSteps { try update(trainer.model, step: trainer.step) }
        try apply()
    }

    /// New masks at the schedule's sparsity for `step`.
    func update(_ model: Module, step: Int) throws {
        let weights = Self.prunable(model).map(\.parameter)
        let share = target(atStep: step)
        func threshold(_ magnitudes: [Float]) -> Float {
            let k = Int((share * Double(magnitudes.count)).rounded(.down))
            guard k > 0 else { return -1 }
            return magnitudes.sorted()[k - 1]
        }
        let values = try weights.map { try $0.value.to(.float32).contiguous().floats().map(abs) }
        let global = scope == .global ? threshold(values.flatMap { $0 }) : 0
        masks = try zip(weights, values).map { p, v in
            let cut = scope == .global ? global : threshold(v)
            guard v.contains(where: { $0 <= cut }) else { return (p, nil) }
            return (p, try Tensor(v.map { $0 > cut ? 1 : 0 }, shape: p.shape).to(p.value.dtype))
        }
        try apply()
    }

    /// Zeroes the masked weights: one multiply per weight, in its own dtype.
    func apply() throws {
        for case let (p, mask?) in masks {
            p.value = try GradMode.withoutGrad { try p.value * mask }.detach()
        }
    }

    /// The share of `model`'s prunable weights that are exactly zero.
    public static func measuredSparsity(_ model: Module) throws -> Double {
        var zeros = 0, total = 0
        for (_, p) in prunable(model) {
            let v = try p.value.to(.float32).floats()
            zeros += v.filter { $0 == 0 }.count
            total += v.count
        }
        return total > 0 ? Double(zeros) / Double(total) : 0
    }
}
