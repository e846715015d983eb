import Foundation
import LoupeReport

/// ``TraceComparison`` for terminals: one block per cycle — the token, its probability under the
/// base and the adapted model, each one's own pick, and the layers and heads whose contribution to
/// the token changed most — then the layers that changed most over the whole continuation.
public struct TraceComparisonText {
    public let comparison: TraceComparison
    public var color: Bool

    public init(_ comparison: TraceComparison, color: Bool = false) { (self.comparison, self.color) = (comparison, color) }

    var style: TerminalStyle { TerminalStyle(usesColor: color) }
    static func signed(_ x: Double) -> String { String(format: "%+.2f", x) }
    static func f(_ x: Double) -> String { String(format: "%.3f", x) }

    public var text: String {
        var lines = [style.bold("\(comparison.adaptedModel) against \(comparison.baseModel)")
                     + " — the adapted model generates, the base is forced through the same tokens"]
        for c in comparison.cycles { lines.append(cycle(c)) }
        lines.append(style.bold("Layers that changed most over the continuation") + " (Δ logit attribution, summed over cycles):")
        let ranked = comparison.layerTotals.sorted { abs($0.attention) + abs($0.mlp) > abs($1.attention) + abs($1.mlp) }.prefix(6)
        for l in ranked { lines.append("  L\(l.layer)  attention \(Self.signed(l.attention))  mlp \(Self.signed(l.mlp))") }
        if let key = comparison.keyCycle {
            lines.append("The fine-tune shows most at cycle \(key.index) (\(key.token.text)): p \(Self.f(key.baseProbability)) → \(Self.f(key.adaptedProbability)).")
        }
        return lines.joined(separator: "\n")
    }

    public func cycle(_ c: TraceComparison.Cycle) -> String {
        let gain = c.logProbabilityGain
        let mark = c.diverges ? style.colored(" diverges", .yellow) : ""
        var lines = [style.bold("cycle \(c.index)") + "  \(c.token.text)  p base \(Self.f(c.baseProbability)) → adapted \(Self.f(c.adaptedProbability))"
                     + "  (\(Self.signed(gain)) nats)" + mark]
        lines.append("  picks: base \(c.baseTop?.text ?? "-") · adapted \(c.adaptedTop?.text ?? "-")"
                     + "   logit \(Self.signed(c.adaptedLogit - c.baseLogit)) from: "
                     + c.components.prefix(4).map { "\($0.component) \(Self.signed($0.value))" }.joined(separator: ", "))
        if !c.heads.isEmpty { lines.append("  heads: " + c.heads.prefix(4).map { "\($0.component) \(Self.signed($0.value))" }.joined(separator: ", ")) }
        let lens = { (l: Int?) in l.map { "L\($0)" } ?? "never" }
        lines.append("  logit lens has it from: base \(lens(c.baseLensLayer)) · adapted \(lens(c.adaptedLensLayer))")
        return lines.joined(separator: "\n")
    }
}
