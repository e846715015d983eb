import Foundation
import LoupeLLM
import Testing
@testable import LoupeTrace

/// The interactive session's commands, as `loupe trace --interactive` runs them.
struct TraceSessionTests {
    static func session() throws -> TraceSession {
        let (model, tokenizer) = try InferenceTracerTests.loaded.get()
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 3
        var capture = TraceCapture()
        capture.attentionRows = true
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: model), tokenizer: tokenizer), capture: capture)
        let trace = try tracer.trace(prompt: InterventionTests.france, options: options)
        return TraceSession(replayer: CycleReplayer(model: model, tokenizer: tokenizer, trace: trace))
    }

    @Test func movesLooksAndIntervenes() throws {
        let s = try Self.session()
        #expect(try s.run("next").contains("cycle 1 ") && s.cycle == 1)
        #expect(try s.run("") .contains("cycle 2 ") && s.cycle == 2)
        _ = try s.run("next 5")
        #expect(s.cycle == 2)                               // clamped at the last cycle
        _ = try s.run("prev 9")
        #expect(s.cycle == 0)
        _ = try s.run("next 9223372036854775807")
        #expect(s.cycle == 2)
        _ = try s.run("prev -9223372036854775808")      // a negative step moves forward, clamped
        #expect(s.cycle == 2)
        _ = try s.run("next -1")
        #expect(s.cycle == 1)
        #expect(try s.run("cycle 1").hasPrefix("cycle 1"))
        let heatmap = try s.run("head 5 3")
        #expect(heatmap.contains("L5.H3") && heatmap.contains("\" France\"") && !heatmap.contains("top positions only"))
        #expect(try s.run("layer 20").components(separatedBy: "\n").count >= 1 + 9)
        #expect(try s.run("diff 0 2").contains("cycle 0 vs cycle 2"))
        let ablated = try s.run("ablate layer 25")
        #expect(ablated.contains("re-run with ablate layer L25") && s.interventions.count == 1)
        // The patch from "The capital of Germany is" at the country's position turns the prompt
        // cycle's answer to Berlin.
        _ = try s.run("clear")
        _ = try s.run("cycle 0")
        let patched = try s.run("patch 10 3 \"The capital of Germany is\"")
        #expect(patched.contains("changed to \" Berlin\""), "\(patched)")
        // Moving back before a patch's position keeps the patch for later and says so.
        _ = try s.run("next")
        _ = try s.run("patch 10 5 \"The capital of Germany is not\"")
        let back = try s.run("prev")
        #expect(s.cycle == 0 && back.contains("not yet reached at this cycle: patch residual L10 @5"), "\(back)")
        _ = try s.run("undo")
        _ = try s.run("undo")
        #expect(s.interventions.isEmpty)
        _ = try s.run("quit")
        #expect(s.finished)
    }

    @Test func mistakesAreExplained() throws {
        let s = try Self.session()
        for (line, message) in [("bogus", "unknown command"), ("head 40 1", "layer 40 is out of range"), ("head 3 12", "head 12 is out of range"),
                                ("cycle 9", "cycle 9 is not in the trace"), ("ablate neuron 2", "usage: ablate"),
                                ("patch 3 99 \"Hi\"", "not position 99"), ("lens", "no logit lens"), ("patch 1 2 \"open", "unclosed quote"), ("attr -1", "0 or more")] {
            #expect(throws: TraceError.self, "\(line)") { try s.run(line) }
            do { _ = try s.run(line) } catch let error as TraceError { #expect(error.message.contains(message), "\(line): \(error.message)") }
        }
        #expect(s.interventions.isEmpty)                    // a failed ablation is not kept
    }

    @Test func wordsSplitLikeAShell() throws {
        #expect(try TraceSession.split("patch 10 3 \"The capital of\" 2") == ["patch", "10", "3", "The capital of", "2"])
        #expect(try TraceSession.split("  a  'b c'  ") == ["a", "b c"])
        #expect(try TraceSession.split("x \"\"") == ["x", ""])
    }
}
