import ArgumentParser
import Foundation
import LoupeGGUF
import LoupeLLM

/// A GGUF model and its tokenizer, loaded for a command, with failures turned into messages.
struct LoadedModel {
    let model: LlamaModel
    let tokenizer: BPETokenizer
    var file: GGUFFile { model.file }

    init(path: String?) throws {
        let url = try DefaultModel.resolve(path)
        do {
            let file = try GGUFFile(contentsOf: url)
            model = try LlamaModel(gguf: file)
            tokenizer = try BPETokenizer(gguf: file)
        } catch {
            throw CommandFailure(error)
        }
    }
}
