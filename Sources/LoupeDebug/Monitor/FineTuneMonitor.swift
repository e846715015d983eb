import Foundation
import LoupeCore
import LoupeData
import LoupeFineTune
import LoupeLLM
import LoupeNN
import LoupeTrain

/// What the debugger records of an LLM fine-tune beyond the health monitor's per-layer series
/// (which already give each adapter's gradient and update norms, by layer and target): what the
/// loss mask covers, the adapters' A and B norms, and the forgetting probe over the run.
public struct FineTuneTelemetry: Codable, Sendable {
    /// One reading of the forgetting probe.
    public struct ProbeReading: Codable, Sendable, Equatable {
        public var step: Int
        /// The adapted model's perplexity on the probe text, and the frozen base's.
        public var perplexity: Double
        public var basePerplexity: Double
        /// Mean KL(base ‖ adapted) of the next-token distributions, nats.
        public var meanKL: Double
    }

    /// One adapter's weights at one step: ‖A‖ and ‖B‖ (Frobenius).
    public struct AdapterNorms: Codable, Sendable, Equatable {
        public var step: Int
        /// The adapted projection, `blocks.3.q`.
        public var path: String
        public var a: Float
        public var b: Float
    }

    public var lossMask: LossMaskSummary
    /// The probe text's first characters, as the report shows it.
    public var probeText = ""
    public var probe: [ProbeReading] = []
    public var adapters: [AdapterNorms] = []
    /// The held-out loss before the first step (the trainer's own evaluations come after epochs).
    public var initialValidationLoss: Double?

    public init(lossMask: LossMaskSummary) { self.lossMask = lossMask }
}

/// Watches a fine-tune of an LLM (a ``LlamaNetwork`` with adapters): every `interval` steps, and
/// at the start and the end, it scores a probe text the base model knows (the built-in
/// Shakespeare) with ``ForgettingProbe`` and reads the adapters' norms.
public final class FineTuneMonitor: TrainerCallback {
    public private(set) var telemetry: FineTuneTelemetry
    public let interval: Int
    private let probeTokens: [Int]
    private var probe: ForgettingProbe?

    /// The probe: `probeTokens` tokens of the built-in Shakespeare, from its start.
    public static func shakespeareProbe(tokenizer: BPETokenizer, tokens: Int = 128) throws -> (text: String, tokens: [Int]) {
        let text = try String(contentsOfFile: BuiltinDatasets.shakespearePath(), encoding: .utf8)
        let ids = Array(tokenizer.encode(String(text.prefix(4 * tokens + 400)), parseSpecial: false).prefix(tokens))
        return (String(decoding: ids.flatMap { tokenizer.bytes(of: $0) }, as: UTF8.self), ids)
    }

    private let validation: TensorDataset

    /// - Throws: when `data` is not a fine-tune's.
    public init(data: PreparedData, interval: Int = 10, probeTokens: Int = 128) throws {
        guard let lm = data.languageModel else { throw FineTuneError("the run is not a fine-tune of an LLM ([model] base)") }
        self.interval = max(1, interval)
        validation = data.splits.validation
        telemetry = FineTuneTelemetry(lossMask: lm.lossMask)
        let probe = try Self.shakespeareProbe(tokenizer: lm.base.tokenizer, tokens: probeTokens)
        self.probeTokens = probe.tokens
        telemetry.probeText = probe.text
    }

    public func trainBegan(_ trainer: Trainer) throws {
        guard let network = trainer.model as? LlamaNetwork else { return }
        try Hooks.withForwardHooksPaused {
            probe = try ForgettingProbe(network: network, tokens: probeTokens)
            try measure(network, step: trainer.step)
            if trainer.step == 0, validation.count > 0 { telemetry.initialValidationLoss = try trainer.evaluate(validation)["loss"] }
        }
    }

    public func batchEnded(_ trainer: Trainer, batch: Int, of batches: Int, loss: Double) throws {
        guard trainer.step % interval == 0, let network = trainer.model as? LlamaNetwork else { return }
        try Hooks.withForwardHooksPaused { try measure(network, step: trainer.step) }
    }

    public func trainEnded(_ trainer: Trainer) throws {
        guard telemetry.probe.last?.step != trainer.step, let network = trainer.model as? LlamaNetwork else { return }
        try Hooks.withForwardHooksPaused { try measure(network, step: trainer.step) }
    }

    private func measure(_ network: LlamaNetwork, step: Int) throws {
        guard let probe else { return }
        let reading = try probe.measure(network)
        telemetry.probe.append(.init(step: step, perplexity: reading.perplexity, basePerplexity: reading.basePerplexity, meanKL: reading.meanKL))
        for (i, block) in network.blocks.enumerated() {
            for projection in LlamaProjection.allCases {
                guard let adapter = block.adapter(projection) else { continue }
                telemetry.adapters.append(.init(step: step, path: "blocks.\(i).\(projection.rawValue)",
                                                a: Float(adapter.loraA.value.statistics().norm), b: Float(adapter.loraB.value.statistics().norm)))
            }
        }
    }
}
