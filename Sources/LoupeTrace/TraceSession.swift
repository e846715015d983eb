import Foundation
import LoupeLLM

/// The interactive trace browser behind `loupe trace --interactive`: a cursor on one cycle, the
/// active interventions, and one method that runs a command line and returns what to print.
/// Kept free of terminal I/O so every command is testable.
public final class TraceSession {
    public let replayer: CycleReplayer
    public private(set) var cycle = 0
    public private(set) var interventions: [Intervention] = []
    public var view: TraceText
    public private(set) var finished = false

    public var trace: Trace { replayer.trace }

    public init(replayer: CycleReplayer, color: Bool = false) {
        self.replayer = replayer
        var texts: [Int: String] = [:]
        let contrast = [replayer.trace.capture.contrast?.target, replayer.trace.capture.contrast?.distractor].compactMap { $0 }
        for id in Set(replayer.trace.promptTokens + contrast) { texts[id] = replayer.tokenizer.displayPiece(id) }
        view = TraceText(trace: replayer.trace, color: color, tokenizerTexts: texts)
    }

    public static let help = """
        Move:     next [n] (n, Enter) · prev [n] (p) · cycle N (goto, jump) · show · list
        Look:     layer L · head L H (attention heatmap) · lens · attr [N] · diff A [B]
        Change:   ablate head L H · ablate neuron L N · ablate layer L
                  patch L P "OTHER PROMPT" [P2]   (residual after block L at position P ← the
                                                  other prompt's at P2, default P)
                  rerun · undo · clear · interventions
        Other:    help · quit (q)
        Ablations and patches re-run the cycles up to the current one and compare its top-k with
        the traced run's; they stay active (and re-run) as you move, until undo or clear.
        """

    /// Runs one command line; the result is the text to show. Mistakes throw a ``TraceError``
    /// whose message says what was expected.
    public func run(_ line: String) throws -> String {
        let words = try Self.split(line)
        let command = words.first?.lowercased() ?? "next"
        let args = Array(words.dropFirst())
        switch command {
        case "help", "h", "?": return Self.help
        case "quit", "q", "exit": finished = true; return ""
        default: break
        }
        guard !trace.cycles.isEmpty else { throw TraceError("the trace has no cycles") }
        switch command {
        case "next", "n": return try step(try count(args.first))
        case "prev", "p", "back", "b": return try step(-(try count(args.first)))
        case "cycle", "goto", "jump", "c":
            guard let n = args.first else { throw TraceError("usage: cycle N (0...\(trace.cycles.count - 1))") }
            return try move(to: try int(n, "a cycle number"))
        case "show", "s": return try current()
        case "list", "ls":
            return trace.cycles.map { c in
                (c.index == cycle ? "▶ " : "  ") + "\(c.index)  \(c.chosen?.text ?? "-")  p=\(TraceText.f(c.chosen?.probability ?? 0))  H=\(TraceText.f(c.entropy))"
            }.joined(separator: "\n")
        case "layer", "l":
            let l = try layer(args.first, usage: "layer L")
            guard l < trace.cycles[cycle].layers.count else { throw TraceError("cycle \(cycle) has no record of layer \(l)") }
            return view.layerDetail(trace.cycles[cycle], layer: l)
        case "head":
            guard args.count == 2 else { throw TraceError("usage: head L H") }
            let l = try layer(args[0], usage: "head L H"), h = try head(args[1])
            guard l < trace.cycles[cycle].layers.count, h < trace.cycles[cycle].layers[l].heads.count else {
                throw TraceError("cycle \(cycle) has no attention recorded for L\(l).H\(h)")
            }
            return view.headHeatmap(trace.cycles[cycle], layer: l, head: h)
        case "lens":
            let layers = trace.cycles[cycle].layers
            guard layers.contains(where: { $0.logitLens != nil }) else { throw TraceError("this trace has no logit lens: trace with --logit-lens or --full") }
            return layers.map { "L\($0.layer)".padding(toLength: 5, withPad: " ", startingAt: 0) + ($0.logitLens ?? []).map { "\($0.text) \(TraceText.f($0.probability))" }.joined(separator: " | ") }
                .joined(separator: "\n")
        case "attr", "attribution":
            let n = try int(args.first ?? "10", "a count")
            guard n >= 0 else { throw TraceError("attr N: N is how many components to show (0 or more)") }
            guard let a = trace.cycles[cycle].attribution else { throw TraceError("cycle \(cycle) has no attribution") }
            var lines = ["logit \(TraceText.f(a.logit)) of \(view.text(a.token)) (remainder \(String(format: "%+.3f", a.remainder)))"]
            lines += a.components.prefix(n).map { "  \($0.component.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%+.3f", $0.value))" }
            if let heads = a.heads { lines += ["heads:"] + heads.prefix(n).map { "  \($0.component.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%+.3f", $0.value))" } }
            return lines.joined(separator: "\n")
        case "diff", "d":
            guard let first = args.first else { throw TraceError("usage: diff A [B] (B defaults to the current cycle)") }
            let a = try cycleIndex(first), b = try args.count > 1 ? cycleIndex(args[1]) : cycle
            return view.diff(trace.cycles[a], trace.cycles[b])
        case "ablate", "a":
            guard let what = args.first?.lowercased() else { throw TraceError("usage: ablate head L H | ablate neuron L N | ablate layer L") }
            let intervention: Intervention
            switch (what, args.count) {
            case ("head", 3): intervention = .ablateHead(layer: try layer(args[1], usage: "ablate head L H"), head: try head(args[2]))
            case ("neuron", 3): intervention = .ablateNeuron(layer: try layer(args[1], usage: "ablate neuron L N"), neuron: try int(args[2], "a neuron index"))
            case ("layer", 2): intervention = .ablateLayer(layer: try layer(args[1], usage: "ablate layer L"))
            default: throw TraceError("usage: ablate head L H | ablate neuron L N | ablate layer L")
            }
            return try apply(intervention)
        case "patch":
            guard args.count == 3 || args.count == 4 else { throw TraceError("usage: patch L P \"OTHER PROMPT\" [P2]") }
            let l = try layer(args[0], usage: "patch L P \"OTHER PROMPT\" [P2]")
            let p = try int(args[1], "a position"), source = args[2]
            let donorPosition = try args.count == 4 ? int(args[3], "a position in the other prompt") : p
            let values = try donorResidual(prompt: source, layer: l, position: donorPosition)
            return try apply(.patchResidual(layer: l, position: p, values: values, source: "\"\(source)\" @\(donorPosition)"))
        case "rerun", "r": return try rerun()
        case "undo", "u":
            guard !interventions.isEmpty else { throw TraceError("no intervention to undo") }
            interventions.removeLast()
            return try rerun()
        case "clear":
            interventions.removeAll()
            return "interventions cleared"
        case "interventions", "i":
            return interventions.isEmpty ? "no interventions" : interventions.map(\.description).joined(separator: "\n")
        default:
            throw TraceError("unknown command '\(command)': type help for the list")
        }
    }

    // MARK: Commands

    private func current() throws -> String {
        var text = view.cycleSummary(trace.cycles[cycle])
        if !interventions.isEmpty { text += "\n" + (try rerun()) }
        return text
    }

    private func step(_ delta: Int) throws -> String {
        try move(to: min(max(cycle + delta, 0), trace.cycles.count - 1))
    }

    private func move(to index: Int) throws -> String {
        cycle = try cycleIndex(String(index))
        return try current()
    }

    private func apply(_ intervention: Intervention) throws -> String {
        interventions.append(intervention)
        do { return try rerun() } catch {
            interventions.removeLast()
            throw error
        }
    }

    /// Re-runs the current cycle with the interventions that reach it: a patch at a position after
    /// the cycle's last one waits (and says so) until you move forward again.
    private func rerun() throws -> String {
        let last = trace.cycles[cycle].positions.last ?? 0
        let active = interventions.filter {
            if case let .patchResidual(_, position, _, _) = $0 { return position <= last }
            return true
        }
        let replayed = try replayer.replay(cycle: cycle, interventions: active, topK: max(10, trace.cycles[cycle].top.count))
        var text = view.compare(trace.cycles[cycle], with: replayed, interventions: active)
        if active.count < interventions.count {
            text += "\n  (not yet reached at this cycle: " + interventions.filter { !active.contains($0) }.map(\.description).joined(separator: "; ") + ")"
        }
        return text
    }

    /// The residual stream of another prompt, run through the same model.
    private func donorResidual(prompt: String, layer: Int, position: Int) throws -> [Float] {
        let tokens = replayer.tokenizer.encode(prompt, parseSpecial: true)
        guard !tokens.isEmpty else { throw TraceError("patch: the other prompt is empty") }
        var donor = Trace(model: trace.model, promptTokens: tokens, sampling: trace.sampling, capture: trace.capture)
        donor.cycles = [TraceCycle(index: 0, inputTokens: tokens, positions: Array(0..<tokens.count))]
        guard position < tokens.count else {
            throw TraceError("patch: the other prompt has \(tokens.count) tokens (positions 0...\(tokens.count - 1)), not position \(position)")
        }
        return try CycleReplayer(model: replayer.context.model, tokenizer: replayer.tokenizer, trace: donor, threads: replayer.context.threads,
                                 maxBatch: replayer.context.maxBatch)
            .residual(layer: layer, position: position)
    }

    // MARK: Arguments

    /// A step count, 1 by default; any size is fine (the cursor stops at the ends).
    private func count(_ word: String?) throws -> Int {
        let n = try int(word ?? "1", "a count")
        return min(max(n, -trace.cycles.count), trace.cycles.count)
    }

    private func int(_ word: String, _ what: String) throws -> Int {
        guard let n = Int(word) else { throw TraceError("expected \(what), got '\(word)'") }
        return n
    }

    private func cycleIndex(_ word: String) throws -> Int {
        let n = try int(word, "a cycle number")
        guard trace.cycles.indices.contains(n) else { throw TraceError("cycle \(n) is not in the trace (0...\(trace.cycles.count - 1))") }
        return n
    }

    private func layer(_ word: String?, usage: String) throws -> Int {
        guard let word else { throw TraceError("usage: \(usage)") }
        let layers = replayer.config.layers
        let n = try int(word, "a layer number")
        guard (0..<layers).contains(n) else { throw TraceError("layer \(n) is out of range (0...\(layers - 1))") }
        return n
    }

    private func head(_ word: String) throws -> Int {
        let heads = replayer.config.heads
        let n = try int(word, "a head number")
        guard (0..<heads).contains(n) else { throw TraceError("head \(n) is out of range (0...\(heads - 1))") }
        return n
    }

    /// Splits a command line into words; double or single quotes group words ("The capital of").
    static func split(_ line: String) throws -> [String] {
        var words: [String] = [], word = "", quote: Character?, inWord = false
        for ch in line {
            if let q = quote {
                if ch == q { quote = nil } else { word.append(ch) }
            } else if ch == "\"" || ch == "'" {
                quote = ch
                inWord = true
            } else if ch.isWhitespace {
                if inWord { words.append(word); word = ""; inWord = false }
            } else {
                word.append(ch)
                inWord = true
            }
        }
        guard quote == nil else { throw TraceError("unclosed quote in: \(line)") }
        if inWord { words.append(word) }
        return words
    }
}
