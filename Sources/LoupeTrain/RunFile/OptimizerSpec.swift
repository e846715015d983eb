/// The update rule a run trains with: `train.optimizer`, and for SGD `train.momentum`, which no
/// other optimizer takes (they keep their own running averages). `train.weight_decay` applies to
/// all of them (see ``RunConfig/TrainSection/weightDecay``).
///
/// ```swift
/// config.train.optimizer = .sgd(momentum: 0.9)
/// ```
public enum OptimizerSpec: Equatable, Sendable {
    case sgd(momentum: Double)
    case adam
    /// Adam with decoupled weight decay (Loshchilov & Hutter).
    case adamW
    case rmsprop
    case adagrad

    /// One optimizer of each kind, in the order error messages and docs list them.
    public static let allKinds: [OptimizerSpec] = [.sgd(momentum: 0), .adam, .adamW, .rmsprop, .adagrad]

    /// How a run file names it (`train.optimizer`).
    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adam: "adam"
        case .adamW: "adamw"
        case .rmsprop: "rmsprop"
        case .adagrad: "adagrad"
        }
    }

    func validate() throws {
        if case let .sgd(momentum) = self { try Check.within(momentum, 0...1, "train.momentum") }
    }
}

extension OptimizerSpec: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        try self.init(reading: t, otherwise: nil)
    }

    /// Reads `optimizer` and `momentum` from the `[train]` table; `otherwise` stands in for a
    /// missing `optimizer`.
    init(reading t: TableReader, otherwise: OptimizerSpec?) throws {
        self = try t.kind("optimizer", among: Self.allKinds, by: \.name, otherwise: otherwise, setting: "momentum", t.double) { kind, momentum in
            if case let .sgd(otherwiseMomentum) = kind { .sgd(momentum: momentum ?? otherwiseMomentum) } else { nil }
        }
    }

    var entries: [RunFileEntry] {
        switch self {
        case let .sgd(momentum): [RunFileEntry("optimizer", name), RunFileEntry("momentum", momentum)]
        case .adam, .adamW, .rmsprop, .adagrad: [RunFileEntry("optimizer", name)]
        }
    }
}
