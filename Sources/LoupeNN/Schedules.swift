import Foundation

/// Learning-rate schedules. `rate(step:)` gives the learning rate for an optimizer step (0-based);
/// reduce-on-plateau also needs `observe(metric:)` after each evaluation.
public enum Schedule: Sendable, Equatable {
    case constant
    /// lr · γ^⌊step / stepSize⌋
    case step(stepSize: Int, gamma: Double)
    /// lr · γ^step
    case exponential(gamma: Double)
    /// Linear warm-up over `warmup` steps, then cosine decay to `minFactor`·lr at `totalSteps`.
    case cosine(warmup: Int, totalSteps: Int, minFactor: Double)
}

/// Applies a ``Schedule`` (and optional plateau reduction) to a base learning rate.
public struct LearningRateScheduler: Sendable {
    public let baseLR: Double
    public let schedule: Schedule
    /// Multiplier from reduce-on-plateau (1 until a plateau is seen).
    public private(set) var plateauFactor = 1.0
    private let plateau: (factor: Double, patience: Int, threshold: Double)?
    private var best = Double.infinity
    private var badEpochs = 0

    /// - Parameter reduceOnPlateau: (factor, patience, relative threshold), e.g. (0.1, 10, 1e-4).
    public init(baseLR: Double, schedule: Schedule, reduceOnPlateau: (factor: Double, patience: Int, threshold: Double)? = nil) {
        self.baseLR = baseLR
        self.schedule = schedule
        self.plateau = reduceOnPlateau
    }

    public func rate(step: Int) -> Double {
        let s = Double(step)
        let scheduled: Double
        switch schedule {
        case .constant: scheduled = baseLR
        case let .step(size, gamma): scheduled = baseLR * pow(gamma, Double(step / max(size, 1)))
        case let .exponential(gamma): scheduled = baseLR * pow(gamma, s)
        case let .cosine(warmup, total, minFactor):
            if step < warmup {
                scheduled = baseLR * (s + 1) / Double(warmup)
            } else {
                let progress = min(1, (s - Double(warmup)) / Double(max(total - warmup, 1)))
                scheduled = baseLR * (minFactor + (1 - minFactor) * 0.5 * (1 + cos(.pi * progress)))
            }
        }
        return scheduled * plateauFactor
    }

    /// The plateau tracker's state (factor, best metric, epochs without improvement), for checkpoints.
    public var plateauState: [Double] {
        get { [plateauFactor, best, Double(badEpochs)] }
        set {
            guard newValue.count == 3 else { return }
            plateauFactor = newValue[0]
            best = newValue[1]
            badEpochs = Int(newValue[2])
        }
    }

    /// Reduce-on-plateau: call with the monitored metric (lower is better) after each evaluation.
    public mutating func observe(metric: Double) {
        guard let plateau else { return }
        if metric < best * (1 - plateau.threshold) {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
            if badEpochs > plateau.patience {
                plateauFactor *= plateau.factor
                badEpochs = 0
            }
        }
    }
}
