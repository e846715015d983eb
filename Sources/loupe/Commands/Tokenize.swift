import ArgumentParser
import Foundation
import LoupeGGUF
import LoupeLLM
import LoupeReport

/// `loupe tokenize "TEXT"`: the model's token ids for a text, for checking against other tools.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the token ids of a text under a GGUF model's tokenizer (SmolLM2-135M by default).",
        discussion: """
            Special tokens written in the text (e.g. <|im_start|>) become their ids unless \
            --no-parse-special is given. TEXT "-" reads standard input.

            Examples:
              loupe tokenize "Hello world"              # 19556 905
              loupe tokenize "Hello world" --json       # {"ids": [19556, 905]}
              echo -n "<|im_start|>user" | loupe tokenize - --json
            """
    )

    @Argument(help: "The text, or - for standard input.") var text: String
    @Option(help: "A GGUF model (default: ~/.cache/loupe/models/SmolLM2-135M-Instruct.Q4_1.gguf).") var model: String?
    @Flag(inversion: .prefixedNo, help: "Recognise special-token strings such as <|im_start|>.") var parseSpecial = true
    @Flag(help: "Print {\"ids\": [...], \"pieces\": [...]} as JSON.") var json = false

    func run() throws {
        let input = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
        let url = try DefaultModel.resolve(model)
        let tokenizer: BPETokenizer
        do { tokenizer = try BPETokenizer(gguf: GGUFFile(contentsOf: url)) } catch {
            throw CommandFailure(error)
        }
        let ids = tokenizer.encode(input, parseSpecial: parseSpecial)
        if json {
            let pieces = ids.map { String(decoding: tokenizer.bytes(of: $0), as: UTF8.self) }
            let data = try LoupeJSON.data(["ids": ids, "pieces": pieces])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(ids.map(String.init).joined(separator: " "))
        }
    }
}
