import Foundation
import LoupeCore
import LoupeGGUF
import Testing
@testable import LoupeLLM

/// The float reference forward pass against llama.cpp's greedy runs, teacher-forced.
struct LlamaReferenceTests {
    static let model: Result<LlamaFloatReference, Error> = Result { try LlamaFloatReference(gguf: GGUFFile(contentsOf: DefaultModel.resolve(nil))) }

    @Test func configFromTheFile() throws {
        let c = try Self.model.get().config
        #expect(c.layers == 30 && c.dim == 576 && c.heads == 9 && c.kvHeads == 3 && c.ffn == 1536)
        #expect(c.ropeBase == 100_000 && c.headDim == 64 && c.vocabulary == 49152 && c.context == 8192)
    }

    @Test(arguments: GreedyReference.cases.map(\.id))
    func teacherForcedMatchesLlamaCpp(id: String) throws {
        let c = try GreedyReference.named(id)
        let logprobs = try Self.model.get().logits(c.sequence).logSoftmax(axis: -1)
        let vocabulary = logprobs.shape[1], all = logprobs.floats()
        GreedyReference.checkTeacherForced(c) { all[($0 * vocabulary)..<(($0 + 1) * vocabulary)] }
    }
}
