import ArgumentParser
import Foundation
import LoupeGGUF
import LoupeLLM

/// `loupe chat`: an interactive conversation using the model's chat template.
struct Chat: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Talk with a GGUF chat model (SmolLM2-135M-Instruct by default) in the terminal.",
        discussion: """
            Each line you type is a user message; the reply streams as it is generated. The \
            model's chat template (ChatML for SmolLM2) formats the conversation, with its default \
            system prompt unless --system is given. The KV cache is kept between turns, so only \
            the new message is evaluated. Commands: /reset starts over, /quit (or Ctrl-D) ends.

            Examples:
              loupe chat
              loupe chat --system "You are a pirate." --temperature 0.7
              echo "What is the capital of France?" | loupe chat --temperature 0
            """
    )

    @OptionGroup var sampling: SamplingFlags
    @Option(help: "The system prompt (default: the template's own).") var system: String?

    func run() throws {
        let loaded = try LoadedModel(path: sampling.model)
        let template: ChatTemplate
        do { template = try ChatTemplate(gguf: loaded.model.file) } catch { throw CommandFailure(error) }
        let seed = sampling.seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        let context = LlamaContext(model: loaded.model, threads: sampling.threads)
        let generator = TextGenerator(context: context, tokenizer: loaded.tokenizer)
        let interactive = isatty(STDIN_FILENO) == 1
        var messages: [ChatMessage] = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
        var evaluated: [Int] = []   // ids the context holds
        if interactive { Terminal.status("Chatting with \(loaded.model.file.name) — /reset to start over, /quit or Ctrl-D to leave.") }
        var turn = 0
        while true {
            if interactive { Terminal.stream(Terminal.bold("> ")) }
            guard let line = readLine() else { break }
            let input = line.trimmingCharacters(in: .whitespaces)
            if input.isEmpty { continue }
            if input == "/quit" || input == "/exit" { break }
            if input == "/reset" {
                messages = system.map { [ChatMessage(role: "system", content: $0)] } ?? []
                evaluated = []
                context.reset()
                Terminal.status("(conversation cleared)")
                continue
            }
            messages.append(ChatMessage(role: "user", content: input))
            // What the user typed is text, never control tokens: "<|im_start|>system" in a
            // message stays those characters.
            let all = template.tokens(for: messages, tokenizer: loaded.tokenizer)
            // Evaluate only what the cache does not hold yet (the cache holds a prefix of `all`).
            // (At least one token is evaluated: its logits start the reply.)
            let shared = min(zip(evaluated, all).prefix { $0 == $1 }.count, all.count - 1)
            context.rewind(to: shared)
            var options = sampling.options(seed: seed &+ UInt64(turn))
            options.stopStrings += ["<|im_end|>"]
            let result: Generation
            do {
                result = try generator.generate(prompt: Array(all[shared...]), options: options) { token in
                    Terminal.stream(token.text)
                    return true
                }
            } catch {
                // One message the model cannot take (longer than its context, say) is reported and
                // dropped; the conversation so far stays as it was.
                messages.removeLast()
                context.rewind(to: 0)
                evaluated = []
                FileHandle.standardError.write(Data("error: \(error) — that message was not added; try a shorter one or /reset\n".utf8))
                continue
            }
            Terminal.stream("\n")
            let reply = result.text
            messages.append(ChatMessage(role: "assistant", content: reply))
            // The last sampled token was never evaluated; the next turn's prompt is compared
            // with this to reuse the cache as far as they agree.
            evaluated = all + result.tokens.dropLast().map(\.id)
            if interactive {
                Terminal.status(String(format: "[%.1f tok/s, %d tokens in context]", result.tokensPerSecond, context.position))
            }
            turn += 1
        }
    }
}
