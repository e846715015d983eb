/// How the learning rate moves over the run's optimizer steps: `train.schedule`, and for the
/// schedules that start with a linear warm-up, `train.warmup` (steps).
///
/// ```swift
/// config.train.schedule = .cosine(warmup: 100)
/// ```
public enum ScheduleSpec: Equatable, Sendable {
    /// `lr` throughout, after `warmup` steps rising linearly to it.
    case constant(warmup: Int)
    /// `lr` divided by 10 at each third of the run.
    case step
    /// `lr` decaying exponentially to 1% of itself by the end.
    case exponential
    /// `warmup` steps rising linearly to `lr`, then a cosine down to 0 at the end.
    case cosine(warmup: Int)
    /// `lr` divided by 10 when the validation loss has not improved for 2 evaluations.
    case plateau

    /// One schedule of each kind, in the order error messages and docs list them.
    public static let allKinds: [ScheduleSpec] = [.constant(warmup: 0), .step, .exponential, .cosine(warmup: 0), .plateau]

    /// How a run file names it (`train.schedule`).
    public var name: String {
        switch self {
        case .constant: "constant"
        case .step: "step"
        case .exponential: "exponential"
        case .cosine: "cosine"
        case .plateau: "plateau"
        }
    }

    func validate() throws {
        switch self {
        case let .constant(warmup), let .cosine(warmup): try Check.count(warmup, 0...1_000_000_000_000, "train.warmup")
        case .step, .exponential, .plateau: break
        }
    }
}

extension ScheduleSpec: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        try self.init(reading: t, otherwise: nil)
    }

    /// Reads `schedule` and `warmup` from the `[train]` table; `otherwise` stands in for a missing
    /// `schedule`.
    init(reading t: TableReader, otherwise: ScheduleSpec?) throws {
        self = try t.kind("schedule", among: Self.allKinds, by: \.name, otherwise: otherwise, setting: "warmup", t.int) { kind, warmup in
            switch kind {
            case let .constant(otherwiseWarmup): .constant(warmup: warmup ?? otherwiseWarmup)
            case let .cosine(otherwiseWarmup): .cosine(warmup: warmup ?? otherwiseWarmup)
            case .step, .exponential, .plateau: nil
            }
        }
    }

    var entries: [RunFileEntry] {
        switch self {
        case let .constant(warmup), let .cosine(warmup): [RunFileEntry("schedule", name), RunFileEntry("warmup", warmup)]
        case .step, .exponential, .plateau: [RunFileEntry("schedule", name)]
        }
    }
}
