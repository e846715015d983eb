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

    public init() {}
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
    public var top: [Candidate] = []
    /// Entropy of the next-token distribution, in nats.
    public var entropy: Double = 0
    public var layers: [TraceLayer] = []
    /// How each component of the residual stream moved the chosen token's logit.
    public var attribution: LogitAttribution?
    /// Positions held in the KV cache after the cycle.
    public var kvCacheTokens: Int = 0
    public var milliseconds: Double = 0
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
    /// Wall time from the previous block's end to this one's, in milliseconds.
    public var milliseconds: Double = 0
}

/// One attention head's pattern for the last position: its most-attended positions and entropy.
public struct TraceHead: Codable, Sendable {
    public var head: Int
    public var entropy: Double
    public var top: [AttendedPosition]
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
    /// The logit the model computed.
    public var logit: Double
    /// logit − Σ components: the rounding of the int16 activations the head multiplies (and float
    /// summation order); documented in docs/TRACE.md.
    public var remainder: Double
    /// `embedding`, `L<n>.attention`, `L<n>.mlp`, largest |value| first.
    public var components: [Component]

    public struct Component: Codable, Sendable, Equatable {
        public var component: String
        public var value: Double
    }
}
