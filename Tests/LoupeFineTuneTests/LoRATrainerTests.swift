import Foundation
import LoupeCore
@testable import LoupeFineTune
import LoupeLLM
import LoupeSafeTensors
import Testing

/// LoRA training steps on the tiny Llama of the PEFT fixture: the supervised loss falls, only
/// the adapters change, the same seed gives the same numbers, an empty mask is refused.
struct LoRATrainerTests {
    static func trainer(seed: UInt64 = 3) throws -> LoRATrainer {
        try LoRATrainer(network: PEFTAdapterTests.network(lora: LlamaLoRA(rank: 2, alpha: 8, targets: [.q, .v, .down], seed: seed)), lr: 0.05)
    }

    static let example = CausalLMExample(tokens: [1, 4, 9, 2, 7, 3, 5, 8], supervised: [false, false, false, true, true, true, true, true])

    @Test func theSupervisedLossFallsAndOnlyAdaptersChange() throws {
        let trainer = try Self.trainer()
        let before = try trainer.loss(Self.example).item()
        let frozen = try trainer.network.mergedWeights()["token_embd.weight"]!.floats()
        var last = before
        for _ in 0..<30 { last = try trainer.step(Self.example) }
        let after = try trainer.loss(Self.example).item()
        #expect(after < before * 0.5, "loss \(before) → \(after)")
        #expect(last.isFinite && trainer.step == 30)
        #expect(try trainer.network.mergedWeights()["token_embd.weight"]!.floats() == frozen)
    }

    @Test func theSameSeedGivesTheSameNumbers() throws {
        let a = try Self.trainer(seed: 9), b = try Self.trainer(seed: 9)
        let lossesA = try (0..<5).map { _ in try a.step(Self.example) }, lossesB = try (0..<5).map { _ in try b.step(Self.example) }
        #expect(lossesA == lossesB)
    }

    @Test func anEmptyMaskOrNoAdaptersAreRefused() throws {
        let trainer = try Self.trainer()
        #expect(throws: FineTuneError.self) { try trainer.step(CausalLMExample(tokens: [1, 2, 3], supervised: [false, false, false])) }
        #expect(throws: FineTuneError.self) { try LoRATrainer(network: PEFTAdapterTests.network(), lr: 0.01) }
        #expect(throws: FineTuneError.self) { try LoRATrainer(network: PEFTAdapterTests.network(lora: LlamaLoRA(rank: 2, alpha: 4)), lr: 0) }
    }
}
