import Foundation
import LoupeCore
import LoupeIO
import Testing
@testable import LoupeLLM

/// The float reference forward pass against llama.cpp's greedy runs (Fixtures/smollm2/greedy.json),
/// teacher-forced, with the tolerances the reference's README gives (every correct implementation
/// it measured passes them; the wrong RoPE pairing fails by nats).
struct LlamaReferenceTests {
    struct Top: Decodable { let id: Int; let logprob: Double }
    struct Step: Decodable { let token: Int; let logprob: Double; let margin: Double; let top: [Top] }
    struct Case: Decodable { let id: String; let prompt_tokens: [Int]; let generated_tokens: [Int]; let steps: [Step] }
    struct Reference: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "Fixtures/smollm2/greedy", withExtension: "json")!
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url)).cases
    }()

    static let model: Result<LlamaFloatReference, Error> = Result { try LlamaFloatReference(gguf: GGUFFile(contentsOf: DefaultModel.resolve(nil))) }

    @Test func configFromTheFile() throws {
        let c = try Self.model.get().config
        #expect(c.layers == 30 && c.dim == 576 && c.heads == 9 && c.kvHeads == 3 && c.ffn == 1536)
        #expect(c.ropeBase == 100_000 && c.headDim == 64 && c.vocabulary == 49152 && c.context == 8192)
    }

    @Test(arguments: cases.map(\.id))
    func teacherForcedMatchesLlamaCpp(id: String) throws {
        let model = try Self.model.get()
        let c = try #require(Self.cases.first { $0.id == id })
        let sequence = c.prompt_tokens + c.generated_tokens.dropLast()
        let logprobs = try model.logits(sequence).logSoftmax(axis: -1)
        let vocabulary = logprobs.shape[1]
        let all = logprobs.floats()
        var differences: [Double] = []
        for (i, step) in c.steps.enumerated() {
            let row = all[((c.prompt_tokens.count - 1 + i) * vocabulary)..<((c.prompt_tokens.count + i) * vocabulary)]
            let argmax = row.indices.max { row[$0] < row[$1] }! - (c.prompt_tokens.count - 1 + i) * vocabulary
            if step.margin >= 0.7 {
                #expect(argmax == step.token, "\(id) step \(i): argmax \(argmax), llama.cpp \(step.token) (margin \(step.margin))")
            } else {
                let close = step.top.filter { step.top[0].logprob - $0.logprob <= 0.7 }.map(\.id)
                #expect(close.contains(argmax), "\(id) step \(i): argmax \(argmax) not among llama.cpp's near-ties \(close)")
            }
            for top in step.top {
                let mine = Double(row[row.startIndex + top.id])
                differences.append(abs(mine - top.logprob))
                #expect(abs(mine - top.logprob) <= 1.5, "\(id) step \(i) id \(top.id): \(mine) vs \(top.logprob)")
            }
            #expect(abs(Double(row[row.startIndex + step.token]) - step.logprob) <= 0.75, "\(id) step \(i): top-1 log-probability")
        }
        let mean = differences.reduce(0, +) / Double(max(differences.count, 1))
        #expect(mean <= 0.25, "\(id): mean |Δlogprob| \(mean)")
    }
}
