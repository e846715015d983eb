import Foundation
import LoupeReport

/// Plain-text views of a trace for terminals: `loupe trace` prints ``cycleSummary(_:)`` per
/// cycle and the interactive session builds on the rest. `color` turns on LoupeReport's
/// ``TerminalStyle`` (callers pass `TerminalStyle.standardOutput.usesColor`, tests force it).
public struct TraceText {
    public let trace: Trace
    public var color: Bool
    /// The token at each position: the prompt, then each cycle's chosen token.
    public let tokens: [Int]
    /// Display text per token id (from the trace's own records, so no tokenizer is needed).
    public let texts: [Int: String]

    public init(trace: Trace, color: Bool = false, tokenizerTexts: [Int: String] = [:]) {
        self.trace = trace
        self.color = color
        tokens = trace.promptTokens + trace.cycles.compactMap { $0.chosen?.id }
        var texts = tokenizerTexts
        for cycle in trace.cycles {
            for c in cycle.top + [cycle.chosen].compactMap({ $0 }) { texts[c.id] = c.text }
        }
        self.texts = texts
    }

    func text(_ id: Int) -> String { texts[id] ?? "#\(id)" }
    func tokenAt(_ position: Int) -> String { position < tokens.count ? text(tokens[position]) : "?" }
    var style: TerminalStyle { TerminalStyle(usesColor: color) }
    func bold(_ s: String) -> String { style.bold(s) }
    func dim(_ s: String) -> String { style.dim(s) }
    static func f(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

    /// Cycle header, top-5, loudest layers, attribution and (when recorded) the lens in a few lines.
    public func cycleSummary(_ cycle: TraceCycle) -> String {
        var lines: [String] = []
        let chosen = cycle.chosen.map { "\($0.text) p=\(Self.f($0.probability)) rank \(cycle.chosenRank ?? 0)" } ?? "-"
        let sampler = cycle.sampler.map { $0.temperature > 0 ? "  sampler T=\(Self.f($0.temperature)) kept \($0.kept) (Σp \(Self.f($0.keptProbability)))" : "" } ?? ""
        lines.append(bold("cycle \(cycle.index)") + "  in \(cycle.inputTokens.count) token(s) at \(cycle.positions.first ?? 0)…  → \(chosen)  "
                     + "H=\(Self.f(cycle.entropy)) nats  \(Self.f(cycle.milliseconds, 1)) ms  KV \(cycle.kvCacheTokens)" + sampler)
        lines.append("  top: " + cycle.top.prefix(5).map { "\($0.text) \(Self.f($0.probability))" }.joined(separator: " | "))
        let loudest = cycle.layers.sorted { $0.attentionNorm + $0.mlpNorm > $1.attentionNorm + $1.mlpNorm }.prefix(3)
        lines.append("  largest contributions: " + loudest.map { "L\($0.layer) attn \(Self.f($0.attentionNorm, 1)) mlp \(Self.f($0.mlpNorm, 1))" }.joined(separator: ", "))
        if let a = cycle.attribution { lines.append("  " + attributionLine(a, label: "logit")) }
        if let a = cycle.contrast { lines.append("  " + attributionLine(a, label: "\(text(a.token)) − \(text(a.distractor ?? 0))")) }
        if cycle.layers.contains(where: { $0.logitLens != nil }) {
            let shown = cycle.layers.filter { $0.layer % 5 == 4 || $0.layer == cycle.layers.count - 1 }
            lines.append("  logit lens: " + shown.map { "L\($0.layer) \($0.logitLens?.first?.text ?? "?")" }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }

    func attributionLine(_ a: LogitAttribution, label: String) -> String {
        var line = "\(label) \(Self.f(a.logit)) from: " + a.components.prefix(4).map { "\($0.component) \(String(format: "%+.2f", $0.value))" }.joined(separator: ", ")
        if let heads = a.heads { line += "; heads " + heads.prefix(3).map { "\($0.component) \(String(format: "%+.2f", $0.value))" }.joined(separator: ", ") }
        return line + " (remainder \(String(format: "%+.3f", a.remainder)))"
    }

    /// One block in one cycle: norms, op times, every head's focus, the lens.
    public func layerDetail(_ cycle: TraceCycle, layer l: Int) -> String {
        let layer = cycle.layers[l]
        var lines = [bold("cycle \(cycle.index) · layer \(l)") + "  ‖resid‖ \(Self.f(layer.residualNorm, 1))  ‖attn‖ \(Self.f(layer.attentionNorm, 1))  ‖mlp‖ \(Self.f(layer.mlpNorm, 1))  \(Self.f(layer.milliseconds, 3)) ms"]
        if !layer.ops.isEmpty {
            lines.append("  ops: " + layer.ops.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.f($0.value, 3))" }.joined(separator: "  "))
        }
        for head in layer.heads {
            let focus = head.top.map { "\($0.position) \(tokenAt($0.position)) \(Self.f($0.weight))" }.joined(separator: ", ")
            let share = cycle.attribution?.heads?.first { $0.component == "L\(l).H\(head.head)" }.map { String(format: "  logit %+.2f", $0.value) } ?? ""
            lines.append("  H\(head.head)  entropy \(Self.f(head.entropy))  → \(focus)\(share)")
        }
        if let lens = layer.logitLens { lines.append("  lens: " + lens.map { "\($0.text) \(Self.f($0.probability))" }.joined(separator: " | ")) }
        return lines.joined(separator: "\n")
    }

    /// Head `h` of layer `l` in a cycle: its weights over every position as a shaded strip of the
    /// tokens, then the strongest positions as bars. Uses the whole row when recorded, else the top
    /// positions only (and says so).
    public func headHeatmap(_ cycle: TraceCycle, layer l: Int, head h: Int) -> String {
        let head = cycle.layers[l].heads[h]
        let count = (cycle.positions.last ?? 0) + 1
        var weights = [Double](repeating: 0, count: count)
        if let row = head.weights { for (p, w) in row.enumerated() where p < count { weights[p] = Double(w) } }
        else { for t in head.top where t.position < count { weights[t.position] = t.weight } }
        let shades = [" ", "░", "▒", "▓", "█"]
        let strip = (0..<count).map { p -> String in
            let w = weights[p]
            if color { return style.shaded(tokenAt(p), intensity: w) }
            let level = w.isNaN ? 0 : min(max(w, 0), 1)
            return shades[Int((level * 4).rounded())] + tokenAt(p)
        }.joined(separator: " ")
        var lines = [bold("cycle \(cycle.index) · L\(l).H\(h)") + "  entropy \(Self.f(head.entropy))"
                     + (head.weights == nil ? dim("  (top positions only: trace with --full for whole rows)") : "")]
        lines.append(strip)
        for p in weights.indices.sorted(by: { weights[$0] > weights[$1] }).prefix(8) where weights[p] > 0 {
            // A weight is a probability; a broken model's +∞ still draws a full bar, not a trap.
            let bar = String(repeating: "█", count: Int((min(weights[p], 1) * 40).rounded()))
            lines.append(String(format: "%5d ", p) + tokenAt(p).padding(toLength: 14, withPad: " ", startingAt: 0) + " " + bar + " " + Self.f(weights[p], 3))
        }
        return lines.joined(separator: "\n")
    }

    /// Two cycles side by side: what each predicted, how sure, and which layers changed most.
    public func diff(_ a: TraceCycle, _ b: TraceCycle) -> String {
        var lines = [bold("cycle \(a.index) vs cycle \(b.index)")]
        lines.append("  chosen: \(a.chosen?.text ?? "-") (\(Self.f(a.chosen?.probability ?? 0))) vs \(b.chosen?.text ?? "-") (\(Self.f(b.chosen?.probability ?? 0)))")
        lines.append("  entropy: \(Self.f(a.entropy)) vs \(Self.f(b.entropy)) nats;  time \(Self.f(a.milliseconds, 1)) vs \(Self.f(b.milliseconds, 1)) ms")
        for i in 0..<max(a.top.count, b.top.count) where i < 5 {
            let left = i < a.top.count ? "\(a.top[i].text) \(Self.f(a.top[i].probability))" : ""
            let right = i < b.top.count ? "\(b.top[i].text) \(Self.f(b.top[i].probability))" : ""
            lines.append("  " + left.padding(toLength: 24, withPad: " ", startingAt: 0) + right)
        }
        let changes = zip(a.layers, b.layers).map { (layer: $0.layer, attention: $1.attentionNorm - $0.attentionNorm, mlp: $1.mlpNorm - $0.mlpNorm) }
            .sorted { abs($0.attention) + abs($0.mlp) > abs($1.attention) + abs($1.mlp) }.prefix(5)
        lines.append("  layers that changed most (Δ‖attn‖, Δ‖mlp‖): " + changes.map { "L\($0.layer) \(String(format: "%+.1f", $0.attention)) \(String(format: "%+.1f", $0.mlp))" }.joined(separator: ", "))
        if a.layers.first?.logitLens != nil && b.layers.first?.logitLens != nil {
            let differ = zip(a.layers, b.layers).filter { $0.logitLens?.first?.id != $1.logitLens?.first?.id }.map(\.0.layer)
            lines.append("  lens top-1 differs at layers: " + (differ.isEmpty ? "none" : differ.map(String.init).joined(separator: ",")))
        }
        return lines.joined(separator: "\n")
    }

    /// The traced top-k next to the re-run's: what an intervention changed.
    public func compare(_ cycle: TraceCycle, with replayed: ReplayedCycle, interventions: [Intervention]) -> String {
        var lines = [bold("cycle \(cycle.index) re-run") + " with " + (interventions.isEmpty ? "no interventions" : interventions.map(\.description).joined(separator: "; "))]
        let after = Dictionary(replayed.top.map { ($0.id, $0.probability) }, uniquingKeysWith: { a, _ in a })
        let before = Dictionary(cycle.top.map { ($0.id, $0.probability) }, uniquingKeysWith: { a, _ in a })
        let ids = (cycle.top.prefix(5) + replayed.top.prefix(5)).map(\.id).reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
        lines.append("  token".padding(toLength: 20, withPad: " ", startingAt: 0) + "   traced    re-run")
        for id in ids {
            let b = before[id].map { Self.f($0, 3) } ?? "  <top"
            let a = after[id].map { Self.f($0, 3) } ?? "  <top"
            lines.append("  " + text(id).padding(toLength: 18, withPad: " ", startingAt: 0) + "   " + b.padding(toLength: 9, withPad: " ", startingAt: 0) + " " + a)
        }
        let top = replayed.top.first
        let moved = top?.id != cycle.top.first?.id
        lines.append("  entropy \(Self.f(cycle.entropy)) → \(Self.f(replayed.entropy)) nats; top-1 " + (moved ? bold("changed to \(top?.text ?? "?")") : "unchanged"))
        return lines.joined(separator: "\n")
    }
}
