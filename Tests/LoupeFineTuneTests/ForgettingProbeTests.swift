import Foundation
import LoupeCore
@testable import LoupeFineTune
import LoupeLLM
import Testing

/// The forgetting probe on the tiny fixture Llama: zero at the start, KL and perplexity as a
/// double-precision computation from the two models' logits gives them once the adapters move.
struct ForgettingProbeTests {
    static let text = [1, 4, 9, 2, 7, 3, 5, 8, 0, 6]

    @Test func nothingHasMovedAtTheStart() throws {
        let net = try PEFTAdapterTests.network(lora: LlamaLoRA(rank: 2, alpha: 4, targets: [.q, .v]))
        let probe = try ForgettingProbe(network: net, tokens: Self.text)
        let reading = try probe.measure(net)
        #expect(reading.meanKL == 0 && reading.perplexity == reading.basePerplexity)
    }

    @Test func klAndPerplexityMatchADoublePrecisionComputation() throws {
        let lora = try PEFTAdapter.settings(config: PEFTAdapterTests.directory.appendingPathComponent(PEFTAdapter.configFile))
        let net = try PEFTAdapterTests.network(lora: lora)
        let probe = try ForgettingProbe(network: net, tokens: Self.text)
        try PEFTAdapter.load(PEFTAdapterTests.directory, into: net)
        let reading = try probe.measure(net)
        let inputs = Array(Self.text.dropLast()), v = PEFTAdapterTests.config.vocabulary
        let base = try net.withoutAdapters { try net.logits(inputs).floats() }, adapted = try net.logits(inputs).floats()
        func logSoftmax(_ row: ArraySlice<Float>) -> [Double] {
            let z = row.map(Double.init), m = z.max()!, lse = m + log(z.map { exp($0 - m) }.reduce(0, +))
            return z.map { $0 - lse }
        }
        var kl = 0.0, nll = 0.0
        for r in 0..<inputs.count {
            let lb = logSoftmax(base[(r * v)..<((r + 1) * v)]), la = logSoftmax(adapted[(r * v)..<((r + 1) * v)])
            kl += zip(lb, la).map { exp($0) * ($0 - $1) }.reduce(0, +)
            nll -= la[Self.text[r + 1]]
        }
        #expect(abs(reading.meanKL - kl / Double(inputs.count)) < 1e-5)
        #expect(abs(reading.perplexity - exp(nll / Double(inputs.count))) / reading.perplexity < 1e-5)
        #expect(reading.meanKL > 1e-3)
        #expect(try net.logits(inputs).floats() == adapted, "withoutAdapters must switch the adapters back on")
    }

    @Test func aProbeNeedsText() throws {
        let net = try PEFTAdapterTests.network(lora: LlamaLoRA(rank: 2, alpha: 4))
        #expect(throws: FineTuneError.self) { try ForgettingProbe(network: net, tokens: [3]) }
    }
}
