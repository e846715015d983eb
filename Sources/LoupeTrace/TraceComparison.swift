import Foundation

/// Two models on one prompt, cycle by cycle (`loupe trace --compare BASE ADAPTED "prompt"`): the
/// adapted model (a fine-tune, merged) generates, and the base is teacher-forced through the same
/// tokens, so every cycle has the same context in both. For each cycle it holds how much more
/// likely the adapted model made its token, and where that came from: the change in each layer's
/// direct logit attribution (attention and MLP), in each head's, and the layer from which the
/// logit lens first shows the token.
public struct TraceComparison: Codable, Sendable {
    public var baseModel: String
    public var adaptedModel: String
    public var promptTokens: [Int]
    public var cycles: [Cycle]

    /// One cycle of both traces.
    public struct Cycle: Codable, Sendable {
        public var index: Int
        /// The adapted model's token (the base was forced to it).
        public var token: Candidate
        /// p(token) under each model.
        public var baseProbability: Double
        public var adaptedProbability: Double
        /// Each model's own most likely token.
        public var baseTop: Candidate?
        public var adaptedTop: Candidate?
        /// The token's logit in each model.
        public var baseLogit: Double
        public var adaptedLogit: Double
        /// adapted − base direct logit attribution per component (`embedding`, `L<n>.attention`,
        /// `L<n>.mlp`), largest |change| first.
        public var components: [LogitAttribution.Component]
        /// The same per head (`L<n>.H<h>`), largest |change| first, at most ``headsKept``.
        public var heads: [LogitAttribution.Component]
        /// The first layer whose logit-lens top tokens include the token, in each model (nil: none).
        public var baseLensLayer: Int?
        public var adaptedLensLayer: Int?

        /// log p_adapted − log p_base: how much the fine-tune moved this token, in nats.
        public var logProbabilityGain: Double { Foundation.log(max(adaptedProbability, 1e-300)) - Foundation.log(max(baseProbability, 1e-300)) }
        /// Whether the two models would pick different tokens here.
        public var diverges: Bool { baseTop?.id != adaptedTop?.id }
    }

    /// Heads kept per cycle.
    public static let headsKept = 12

    /// Pairs the cycles of `adapted` (generated) and `base` (forced through the same tokens).
    /// - Throws: ``TraceError`` when the traces do not share a prompt and tokens (not one forced
    ///   continuation), or lack attributions.
    public init(base: Trace, adapted: Trace) throws {
        guard base.promptTokens == adapted.promptTokens else { throw TraceError("compare: the two traces start from different prompts") }
        let baseTokens = base.cycles.compactMap { $0.chosen?.id }, adaptedTokens = adapted.cycles.compactMap { $0.chosen?.id }
        guard baseTokens == adaptedTokens else {
            throw TraceError("compare: the base was not forced through the adapted model's tokens (\(baseTokens.count) vs \(adaptedTokens.count) tokens)")
        }
        baseModel = base.model
        adaptedModel = adapted.model
        promptTokens = adapted.promptTokens
        cycles = try zip(base.cycles, adapted.cycles).compactMap { b, a in
            guard let token = a.chosen, let bc = b.chosen else { return nil }
            guard let ba = b.attribution, let aa = a.attribution else { throw TraceError("compare: cycle \(a.index) has no logit attribution") }
            return Cycle(index: a.index, token: token, baseProbability: bc.probability, adaptedProbability: token.probability,
                         baseTop: b.top.first, adaptedTop: a.top.first, baseLogit: ba.logit, adaptedLogit: aa.logit,
                         components: Self.difference(ba.components, aa.components),
                         heads: Array(Self.difference(ba.heads ?? [], aa.heads ?? []).prefix(Self.headsKept)),
                         baseLensLayer: Self.lensLayer(b, token.id), adaptedLensLayer: Self.lensLayer(a, token.id))
        }
    }

    /// adapted − base for every component either names, largest |change| first (ties by name).
    static func difference(_ base: [LogitAttribution.Component], _ adapted: [LogitAttribution.Component]) -> [LogitAttribution.Component] {
        var values: [String: Double] = [:]
        for c in adapted { values[c.component, default: 0] += c.value }
        for c in base { values[c.component, default: 0] -= c.value }
        return values.map { LogitAttribution.Component(component: $0.key, value: $0.value) }
            .sorted { abs($0.value) != abs($1.value) ? abs($0.value) > abs($1.value) : $0.component < $1.component }
    }

    static func lensLayer(_ cycle: TraceCycle, _ token: Int) -> Int? {
        cycle.layers.first { $0.logitLens?.contains { $0.id == token } == true }?.layer
    }

    /// Summed over the cycles: each layer's change in attribution (attention + MLP), by layer.
    public var layerTotals: [(layer: Int, attention: Double, mlp: Double)] {
        var totals: [Int: (Double, Double)] = [:]
        for cycle in cycles {
            for c in cycle.components {
                guard let (layer, part) = Self.layerAndPart(c.component) else { continue }
                var t = totals[layer] ?? (0, 0)
                if part == "attention" { t.0 += c.value } else { t.1 += c.value }
                totals[layer] = t
            }
        }
        return totals.keys.sorted().map { ($0, totals[$0]!.0, totals[$0]!.1) }
    }

    /// `L12.mlp` → (12, "mlp").
    static func layerAndPart(_ name: String) -> (Int, String)? {
        let parts = name.split(separator: ".")
        guard parts.count == 2, parts[0].hasPrefix("L"), let layer = Int(parts[0].dropFirst()) else { return nil }
        return (layer, String(parts[1]))
    }

    /// The cycle where the fine-tune matters most: the largest gain in log-probability.
    public var keyCycle: Cycle? { cycles.max { $0.logProbabilityGain < $1.logProbabilityGain } }
}
