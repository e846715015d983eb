import Foundation
import LoupeGGUF
import LoupeLLM

/// What quantizing a language model cost and saved (`loupe quantize`), as llama.cpp's README
/// tables show it: per model, its size, bits per weight, generation speed, perplexity on a text
/// and the KL divergence of its next-token distributions from the source model's.
public struct QuantizationReport: Codable, Sendable, Equatable {
    /// One model: the source or a quantized copy.
    public struct Row: Codable, Sendable, Equatable {
        public var name: String
        /// The type most of its weight matrices have (e.g. "Q4_1").
        public var type: String
        public var bytes: Int
        public var bitsPerWeight: Double
        public var generationTokensPerSecond: Double?
        public var perplexity: Double?
        /// Against the source model; nil on the source's own row.
        public var meanKLD: Double?
        public var kld99: Double?
        public var sameTopToken: Double?
    }

    public var rows: [Row]
    /// What perplexity and KLD were measured on.
    public var text: String
    public var context: Int
    public var scoredTokens: Int

    /// A model to measure, with its file.
    public struct Model {
        public let name: String
        public let file: GGUFFile
        public let model: LlamaModel
        public let tokenizer: BPETokenizer
        public init(name: String, file: GGUFFile, model: LlamaModel, tokenizer: BPETokenizer) {
            (self.name, self.file, self.model, self.tokenizer) = (name, file, model, tokenizer)
        }
    }

    /// Measures `quantized` against `source` on `text` (both read `maxWindows` chunks of
    /// `context` tokens, llama-perplexity's method); `speed` times generation too.
    public static func measure(source: Model, quantized: Model, text: String, textName: String, context: Int, maxWindows: Int?,
                               speed: Bool, threads: Int, progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> QuantizationReport {
        let sourceScorer = LlamaScorer(model: source.model, tokenizer: source.tokenizer, contextLength: context)
        let scorer = LlamaScorer(model: quantized.model, tokenizer: quantized.tokenizer, contextLength: context)
        let kld = try KLDivergence.compare(text, model: scorer, base: sourceScorer, context: context, maxWindows: maxWindows) { progress("KL divergence", $0, $1) }
        var rows = [row(source), row(quantized)]
        rows[0].perplexity = kld.basePerplexity
        rows[1].perplexity = kld.perplexity
        rows[1].meanKLD = kld.meanKLD
        rows[1].kld99 = kld.kldPercentiles["99%"]
        rows[1].sameTopToken = kld.sameTopToken
        if speed {
            let tokens = (sourceScorer.beginningOfSequence.map { [$0] } ?? []) + sourceScorer.tokenize(String(text.prefix(4000)))
            // Interleaved rounds: the machine's noise falls on both models alike.
            var rates: [[Double]] = [[], []]
            for round in 0..<3 {
                progress("speed", round, 3)
                for (i, model) in [source.model, quantized.model].enumerated() {
                    let s = try LanguageModelSpeed.measure(model: model, tokens: tokens, promptLength: min(64, tokens.count), generate: 32, rounds: 1,
                                                           threads: threads, pricing: Pricing())
                    rates[i].append(s.generationTokensPerSecond)
                }
            }
            for i in 0..<2 { rows[i].generationTokensPerSecond = Bootstrap.percentile(rates[i].sorted(), 0.5) }
        }
        return QuantizationReport(rows: rows, text: textName, context: context, scoredTokens: kld.scoredTokens)
    }

    /// Size, bits per weight and main type of a model's file.
    static func row(_ m: Model) -> Row {
        let elements = m.file.tensors.map(\.elementCount).reduce(0, +)
        let bytes = m.file.tensors.map(\.byteCount).reduce(0, +)
        var counts: [GGMLType: Int] = [:]
        for t in m.file.tensors where t.shape.count >= 2 { counts[t.type, default: 0] += t.elementCount }
        let main = counts.max { $0.value < $1.value }?.key
        return Row(name: m.name, type: main?.name ?? "?", bytes: m.file.data.count,
                   bitsPerWeight: elements > 0 ? 8 * Double(bytes) / Double(elements) : 0)
    }
}
