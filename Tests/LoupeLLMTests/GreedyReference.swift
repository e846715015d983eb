import Foundation
import LoupeGGUF
import Testing

/// llama.cpp's greedy runs of SmolLM2 (Fixtures/smollm2/greedy.json) and the README's checks that
/// every correct implementation passes (and the wrong RoPE pairing fails by nats).
enum GreedyReference {
    struct Top: Decodable { let id: Int; let logprob: Double }
    struct Step: Decodable { let token: Int; let logprob: Double; let margin: Double; let top: [Top] }
    struct Message: Decodable { let role: String; let content: String }
    struct Case: Decodable {
        let id: String, kind: String, prompt: String
        let messages: [Message]?
        let prompt_tokens: [Int], generated_tokens: [Int], stable_prefix_len: Int
        let steps: [Step]
        /// The teacher-forced input: the prompt plus every generated token but the last.
        var sequence: [Int] { prompt_tokens + generated_tokens.dropLast() }
    }
    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "Fixtures/smollm2/greedy", withExtension: "json")!
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }()

    static func named(_ id: String) throws -> Case { try #require(cases.first { $0.id == id }) }

    /// Checks teacher-forced log-probabilities: `logprobs(i)` is the log-softmax row after
    /// `sequence[0...i]`.
    static func checkTeacherForced(_ c: Case, logprobs: (Int) -> ArraySlice<Float>) {
        var differences: [Double] = []
        for (i, step) in c.steps.enumerated() {
            let row = logprobs(c.prompt_tokens.count - 1 + i)
            let argmax = row.indices.max { row[$0] < row[$1] }! - row.startIndex
            if step.margin >= 0.7 {
                #expect(argmax == step.token, "\(c.id) step \(i): argmax \(argmax), llama.cpp \(step.token) (margin \(step.margin))")
            } else {
                let close = step.top.filter { step.top[0].logprob - $0.logprob <= 0.7 }.map(\.id)
                #expect(close.contains(argmax), "\(c.id) step \(i): argmax \(argmax) not among llama.cpp's near-ties \(close)")
            }
            for top in step.top {
                let mine = Double(row[row.startIndex + top.id])
                differences.append(abs(mine - top.logprob))
                #expect(abs(mine - top.logprob) <= 1.5, "\(c.id) step \(i) id \(top.id): \(mine) vs \(top.logprob)")
            }
            #expect(abs(Double(row[row.startIndex + step.token]) - step.logprob) <= 0.75, "\(c.id) step \(i): top-1 log-probability")
        }
        let mean = differences.reduce(0, +) / Double(max(differences.count, 1))
        #expect(mean <= 0.25, "\(c.id): mean |Δlogprob| \(mean)")
    }
}
