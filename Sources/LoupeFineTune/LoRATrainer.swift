import LoupeCore
import LoupeLLM
import LoupeNN

/// LoRA fine-tuning's step: forward through the network, the next-token loss on the supervised
/// tokens only, backward (gradients reach the adapters alone: the base weights are not
/// parameters), clipping and the optimizer's update.
public final class LoRATrainer {
    public let network: LlamaNetwork
    public let optimizer: Optimizer
    /// Clips the adapters' global gradient norm to this (0: no clipping).
    public var gradientClip: Double
    /// Steps taken.
    public private(set) var step = 0

    /// Adam over `network`'s adapters.
    public init(network: LlamaNetwork, lr: Double, gradientClip: Double = 1) throws {
        guard network.lora != nil, !network.parameters().isEmpty else {
            throw FineTuneError("the network has no LoRA adapters to train (give it a LlamaLoRA with at least one target)")
        }
        guard lr.isFinite, lr > 0 else { throw FineTuneError("the learning rate must be a positive number, got \(lr)") }
        self.network = network
        self.optimizer = try Adam(network.parameters(), lr: lr)
        self.gradientClip = gradientClip
    }

    /// The mean next-token loss over `example`'s supervised tokens (a graph to differentiate).
    public func loss(_ example: CausalLMExample) throws -> Tensor {
        guard example.tokens.count >= 2 else { throw FineTuneError("an example needs at least 2 tokens, got \(example.tokens.count)") }
        guard example.supervisedCount > 0 else {
            throw FineTuneError("the example's loss mask is empty: none of its \(example.tokens.count) tokens is a target")
        }
        let logits = try network.logits(example.inputs)
        return try Loss.crossEntropy(logits, Tensor(indices: example.labels()), ignoreIndex: -100)
    }

    /// One optimizer step on `example`; returns its loss before the update.
    @discardableResult
    public func step(_ example: CausalLMExample) throws -> Double {
        network.train()
        let value = try loss(example)
        try value.backward()
        if gradientClip > 0 { _ = try GradientClipping.clipNorm(optimizer.parameters, maxNorm: gradientClip) }
        try optimizer.step()
        optimizer.zeroGrad()
        step += 1
        return try value.item()
    }
}
