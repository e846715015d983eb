import ArgumentParser
import Foundation
import LoupeCore
import LoupeGGUF
import LoupeLLM
import LoupeReport

/// `loupe score`: teacher-forced log-probabilities of a token sequence.
struct Score: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a token sequence with teacher forcing: the model's top predictions at every position.",
        discussion: """
            Position i shows the distribution over the token after ids[0...i], its top ids with \
            log-probabilities (natural log, softmax over the whole vocabulary), and the \
            log-probability of the id that actually follows. For checking against other runtimes.

            Examples:
              loupe score --ids 504,3575,282,4649,314 --top 5
              loupe score --text "The capital of France is Paris" --json
            """
    )

    @Option(help: "Comma-separated token ids.") var ids: String?
    @Option(help: "A text to tokenize instead of --ids (special tokens recognised).") var text: String?
    @Option(help: "How many top ids to show per position.") var top = 10
    @Option(help: "A GGUF model (default: the fetched SmolLM2-135M-Instruct).") var model: String?
    @Option(help: "Threads (default 2).") var threads = Engine.threads
    @Flag(help: "Print JSON: {\"ids\": [...], \"positions\": [{\"position\", \"top\": [{\"id\", \"logprob\"}], \"next\", \"next_logprob\"}]}.") var json = false

    func validate() throws {
        guard (ids == nil) != (text == nil) else { throw ValidationError("give either --ids or --text") }
        guard top >= 1 else { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let loaded = try LoadedModel(path: model)
        let sequence: [Int]
        if let ids {
            sequence = try ids.split(separator: ",").map {
                guard let id = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--ids: \"\($0)\" is not an integer") }
                return id
            }
        } else {
            sequence = loaded.tokenizer.encode(text ?? "", parseSpecial: true)
        }
        guard !sequence.isEmpty else { throw ValidationError("no tokens to score") }
        let context = LlamaContext(model: loaded.model, threads: threads)
        let logits = try context.evaluate(sequence, logits: .all)
        let vocabulary = loaded.model.config.vocabulary
        struct Alternative: Encodable { let id: Int; let logprob: Double }
        struct Position: Encodable {
            let position: Int
            let top: [Alternative]
            let next: Int?
            let next_logprob: Double?
        }
        struct Report: Encodable { let ids: [Int]; let positions: [Position] }
        let positions = sequence.indices.map { i -> Position in
            let row = LogProbabilities(logits[(i * vocabulary)..<((i + 1) * vocabulary)])
            let next: Int? = i + 1 < sequence.count ? sequence[i + 1] : nil
            return Position(position: i, top: row.top(top).map { Alternative(id: $0.id, logprob: $0.logprob) },
                            next: next, next_logprob: next.map { (id: Int) -> Double in row[id] })
        }
        if json {
            print(String(decoding: try LoupeJSON.encoder().encode(Report(ids: sequence, positions: positions)), as: UTF8.self))
            return
        }
        for p in positions {
            let piece = loaded.tokenizer.displayPiece(sequence[p.position])
            let tops = p.top.map { "\(loaded.tokenizer.displayPiece($0.id)) \(String(format: "%.2f", $0.logprob))" }
            var line = String(format: "%4d %-14@", p.position, piece as NSString)
            if let next = p.next_logprob { line += String(format: " next %7.3f  ", next) } else { line += String(repeating: " ", count: 15) }
            print(line + tops.joined(separator: " | "))
        }
    }
}
