/// A recorded generation: one ``TraceCycle`` per forward pass (the prompt, then each generated
/// token), in the JSON form documented in docs/TRACE.md.
public struct Trace: Codable, Sendable {
    public var model: String
    public var promptTokens: [Int]
    public var sampling: Sampling
    public var capture: TraceCapture
    public var cycles: [TraceCycle] = []

    public struct Sampling: Codable, Sendable {
        public var temperature: Double, topK: Int, topP: Double, minP: Double, seed: UInt64
    }
}

/// What a trace records beyond the cheap default.
public struct TraceCapture: Codable, Sendable, Equatable {
    /// Most likely tokens recorded per cycle.
    public var topK = 10
    /// Most-attended positions recorded per head.
    public var attentionTop = 3
    /// Project the residual stream after every layer through the final norm and head (the logit
    /// lens): one head-sized product per layer per cycle, so off by default.
    public var logitLens = false
    /// Tokens recorded per layer by the logit lens.
    public var logitLensTop = 5
    /// Record every head's whole attention row for the last position (not just its top positions).
    public var attentionRows = false
    /// Split each layer's attention attribution into its heads (one [cycles, dim]·W_o product per
    /// layer after generation).
    public var headAttribution = true
    /// Also attribute logit(target) − logit(distractor) in every cycle ("why this and not that").
    public var contrast: TokenPair?

    public init() {}

    /// Everything: the logit lens, whole attention rows, per-head attributions.
    public static var full: TraceCapture {
        var capture = TraceCapture()
        capture.logitLens = true
        capture.attentionRows = true
        return capture
    }
}

/// A target token and a distractor whose logit difference is attributed.
public struct TokenPair: Codable, Sendable, Equatable {
    public var target: Int
    public var distractor: Int

    public init(target: Int, distractor: Int) {
        self.target = target
        self.distractor = distractor
    }
}

/// One forward pass ("clock cycle"): what went in, what came out, and each layer's state for the
/// last input position (the one whose prediction is sampled).
public struct TraceCycle: Codable, Sendable {
    public var index: Int
    public var inputTokens: [Int]
    public var positions: [Int]
    /// The sampled token, its probability and its rank in the distribution (0 = most likely).
    public var chosen: Candidate?
    public var chosenRank: Int?
    /// What the sampler kept and drew from this cycle.
    public var sampler: SamplerState?
    public var top: [Candidate] = []
    /// Entropy of the next-token distribution, in nats.
    public var entropy: Double = 0
    public var layers: [TraceLayer] = []
    /// How each component of the residual stream moved the chosen token's logit.
    public var attribution: LogitAttribution?
    /// The same for logit(target) − logit(distractor) when the capture names a ``TokenPair``.
    public var contrast: LogitAttribution?
    /// Positions held in the KV cache after the cycle.
    public var kvCacheTokens: Int = 0
    public var milliseconds: Double = 0
}

/// The sampler's state in one cycle: its temperature, how many tokens survived the top-k, top-p
/// and min-p cuts and how much of the distribution they held, and the chosen token's probability
/// in the distribution actually drawn from.
public struct SamplerState: Codable, Sendable, Equatable {
    public var temperature: Double
    public var kept: Int
    /// Σ p over the kept tokens in the model's (temperature 1) distribution.
    public var keptProbability: Double
    public var chosenProbability: Double
}

/// A token with its probability.
public struct Candidate: Codable, Sendable, Equatable {
    public var id: Int
    public var text: String
    public var probability: Double
}

/// One transformer block's record within a cycle.
public struct TraceLayer: Codable, Sendable {
    public var layer: Int
    /// ‖residual stream‖ after the block.
    public var residualNorm: Double = 0
    /// ‖attention output‖ and ‖MLP output‖: how much each sub-layer wrote into the stream.
    public var attentionNorm: Double = 0
    public var mlpNorm: Double = 0
    public var heads: [TraceHead] = []
    /// Top tokens of the residual stream after this block read through the final norm and head.
    public var logitLens: [Candidate]?
    /// Wall time of the block, in milliseconds.
    public var milliseconds: Double = 0
    /// Wall time of each op in the block (`attention.qkv`, `attention.heads`, `attention.output`,
    /// `mlp.gate_up`, `mlp.down`; hook time included), in milliseconds.
    public var ops: [String: Double] = [:]
}

/// One attention head's pattern for the last position: its most-attended positions and entropy.
public struct TraceHead: Codable, Sendable {
    public var head: Int
    public var entropy: Double
    public var top: [AttendedPosition]
    /// The whole row, one weight per position 0 ..< P, when the capture asks for it.
    public var weights: [Float]?
}

public struct AttendedPosition: Codable, Sendable, Equatable {
    public var position: Int
    public var weight: Double
}

/// Direct logit attribution for one token: the residual stream after the last block is the sum of
/// the token embedding and every attention and MLP output, and the logit is linear in that sum once
/// the final norm's 1/rms is fixed, so each component's share is (component · direction) / rms.
public struct LogitAttribution: Codable, Sendable {
    public var token: Int
    /// For a contrast, the token whose logit is subtracted.
    public var distractor: Int?
    /// The logit the model computed.
    public var logit: Double
    /// logit − Σ components: the rounding of the int16 activations the head multiplies (and float
    /// summation order); documented in docs/TRACE.md.
    public var remainder: Double
    /// `embedding`, `L<n>.attention`, `L<n>.mlp`, largest |value| first.
    public var components: [Component]
    /// `L<n>.H<h>`: each attention component split into its heads (W_o's columns of that head
    /// times the head's output), largest |value| first. A layer's heads add up to its attention
    /// component up to the same int16 rounding.
    public var heads: [Component]?

    public struct Component: Codable, Sendable, Equatable {
        public var component: String
        public var value: Double
    }
}
