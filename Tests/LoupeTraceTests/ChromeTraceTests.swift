import Foundation
import LoupeCore
import LoupeReport
import LoupeLLM
import Testing
@testable import LoupeTrace

/// The profiling output opens in Perfetto: valid Trace Event Format JSON whose spans nest (every
/// span lies inside the span that encloses its start), with one span per cycle, block and op.
struct ChromeTraceTests {
    /// Checks nesting the way a viewer stacks complete events on one track.
    static func nestingViolations(_ events: [[String: Any]]) -> [String] {
        let spans = events.map { (name: $0["name"] as! String, start: $0["ts"] as! Double, end: ($0["ts"] as! Double) + ($0["dur"] as! Double)) }
            .sorted { $0.start != $1.start ? $0.start < $1.start : $0.end > $1.end }
        var stack: [(name: String, start: Double, end: Double)] = []
        var problems: [String] = []
        let slack = 0.002   // microseconds: the JSON's decimal rounding
        for span in spans {
            while let top = stack.last, top.end <= span.start + slack { stack.removeLast() }
            if let top = stack.last, span.end > top.end + slack { problems.append("\(span.name) overlaps \(top.name)") }
            stack.append(span)
        }
        return problems
    }

    @Test func generationTraceParsesAndNests() throws {
        let (model, tokenizer) = try InferenceTracerTests.loaded.get()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 3
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer))
        let trace = try tracer.trace(prompt: InterventionTests.france, options: options)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-chrome-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try tracer.chromeTrace(of: trace).write(to: url)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        #expect(events.allSatisfy { $0["ph"] as? String == "X" && ($0["dur"] as? Double ?? -1) >= 0 })
        let categories = events.reduce(into: [String: Int]()) { $0[$1["cat"] as! String, default: 0] += 1 }
        #expect(categories["cycle"] == 3)
        #expect(categories["layer"] == 3 * model.config.layers)
        #expect(categories["op"] == 3 * (5 * model.config.layers + 2))
        #expect(Self.nestingViolations(events).isEmpty, "\(Self.nestingViolations(events).prefix(3))")
        // The per-op times in the trace come from the same spans.
        let layer = trace.cycles[1].layers[3]
        #expect(Set(layer.ops.keys) == ["attention.qkv", "attention.heads", "attention.output", "mlp.gate_up", "mlp.down"])
        #expect(layer.ops.values.reduce(0, +) <= layer.milliseconds + 1e-6)

        // Past the event budget, ops fold into their blocks, then blocks into their cycles: the
        // times survive as args and nothing overlaps.
        let blocks = tracer.chromeTrace(of: trace, maxEvents: 200)
        #expect(!blocks.traceEvents.contains { $0.cat == "op" && $0.args?["layer"] != nil })
        let block = try #require(blocks.traceEvents.first { $0.cat == "layer" && $0.name == "blocks.3" && $0.ts > 0 })
        let folded = ["attention.qkv", "attention.heads", "attention.output", "mlp.gate_up", "mlp.down"].compactMap { block.args?["\($0) ms"] }
        #expect(folded.count == 5 && folded.reduce(0, +) * 1000 <= block.dur + 0.01)
        let cycles = tracer.chromeTrace(of: trace, maxEvents: 20)
        #expect(cycles.traceEvents.filter { $0.cat == "layer" }.isEmpty && cycles.traceEvents.count == 3 * 3)   // cycle, embedding, head
        let first = try #require(cycles.traceEvents.first { $0.cat == "cycle" })
        #expect((first.args?["blocks ms"] ?? 0) > 0 && (first.args?["mlp.down ms"] ?? 0) > 0)
        #expect((first.args?["blocks ms"] ?? .infinity) * 1000 <= first.dur + 0.01)
    }
}
