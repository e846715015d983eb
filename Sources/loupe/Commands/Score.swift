import ArgumentParser
import Foundation
import LoupeCore
import LoupeIO
import LoupeLLM

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
        var positions: [[String: Any]] = []
        for i in sequence.indices {
            let row = LogProbabilities(logits[(i * vocabulary)..<((i + 1) * vocabulary)])
            var entry: [String: Any] = ["position": i, "top": row.top(top).map { ["id": $0.id, "logprob": $0.logprob] }]
            if i + 1 < sequence.count {
                entry["next"] = sequence[i + 1]
                entry["next_logprob"] = row[sequence[i + 1]]
            }
            positions.append(entry)
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: ["ids": sequence, "positions": positions], options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for entry in positions {
            let i = entry["position"] as! Int
            let piece = loaded.tokenizer.displayPiece(sequence[i])
            let tops = (entry["top"] as! [[String: Any]]).map { "\(loaded.tokenizer.displayPiece($0["id"] as! Int)) \(String(format: "%.2f", $0["logprob"] as! Double))" }
            var line = String(format: "%4d %-14@", i, piece as NSString)
            if let next = entry["next_logprob"] as? Double { line += String(format: " next %7.3f  ", next) } else { line += String(repeating: " ", count: 15) }
            print(line + tops.joined(separator: " | "))
        }
    }
}
