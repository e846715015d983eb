import Foundation
import LoupeGGUF
import LoupeLLM
import LoupeReport
import LoupeTestSupport
import LoupeTrace
import Testing

/// The doc comments' examples in LoupeTrace, compiled and run here (on the default model) and
/// checked against the source.
struct DocExampleTests {
    @Test func traceHTMLExample() throws {
        let file = try GGUFFile(contentsOf: DefaultModel.resolve(nil))
        let tokenizer = try BPETokenizer(gguf: file)
        let tracer = InferenceTracer(generator: TextGenerator(context: LlamaContext(model: try LlamaModel(gguf: file)), tokenizer: tokenizer))
        let prompt = [504, 3575, 282, 4649, 314]   // "The capital of France is"
        var options = GenerationOptions()
        options.sampling = .greedy
        options.maxTokens = 2
        // The prompt's texts; the generated tokens' come from the trace's own candidates.
        let texts = Dictionary(uniqueKeysWithValues: prompt.map { ($0, tokenizer.displayPiece($0)) })
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("trace.html")
        // example: TraceHTML
        let trace = try tracer.trace(prompt: prompt, options: options)
        let html = TraceHTML.render(trace, tokenTexts: texts)
        try html.write(to: url, atomically: true, encoding: .utf8)
        // end example
        // One section per generated token, the first open; the prompt's chips show the texts given.
        #expect(trace.cycles.count == 2)
        #expect(html.contains("<details id=\"cycle-0\" open>") && html.contains("<details id=\"cycle-1\">"))
        #expect(html.contains("title=\"position 1 · id 3575\">\(XMLText.escape(tokenizer.displayPiece(3575)))</span>"))
        #expect(try String(contentsOf: url, encoding: .utf8) == html)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeTrace/TraceHTML.swift", markedAs: "TraceHTML", in: #filePath) == nil)
    }
}
