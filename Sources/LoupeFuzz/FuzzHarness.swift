import Foundation
import LoupeData
import LoupeDistributed
import LoupeEval
import LoupeFineTune
import LoupeGGUF
import LoupeLLM
import LoupeSafeTensors
import LoupeServe
import LoupeTrain

/// One fuzz target per reader of user input, and the single entry point that both the libFuzzer
/// binary (`Fuzz/Harness`, built by `scripts/fuzz.sh`) and the replay tests (`LoupeFuzzTests`)
/// call, so a harness and its regression test cannot drift apart.
///
/// ```swift
/// try FuzzHarness.gguf.run(Array(data))   // returns, or throws the parser's error: never crashes
/// ```
public enum FuzzHarness: String, CaseIterable, Sendable {
    /// GGUF: header, metadata, tensor table and tensor ranges, then what the LLM runtime reads
    /// from the metadata (tokenizer, chat template, model hyperparameters).
    case gguf
    /// safetensors: length prefix, JSON header, layout, tensors converted.
    case safetensors
    /// Numeric CSV (gzip first when the bytes start with its magic), with and without a header.
    case csv
    /// IDX (MNIST), gzip first when the bytes start with its magic.
    case idx
    /// CIFAR-10 binary batches.
    case cifar
    /// The default model's BPE tokenizer: text in, ids out, decoded back to the same bytes (less
    /// any byte the vocabulary has no token for).
    case tokenizer
    /// The chat template: recognised from arbitrary template text, then a conversation rendered;
    /// control tokens come from the template alone.
    case chatTemplate = "chat-template"
    /// Run files: TOML parsed into a `RunConfig`, validated, and its model built (for a sample of
    /// `model.input`'s shape, or `data.block_size` values) within 64 MB of training memory: a
    /// bigger model is refused as too large, since building one under the sanitizer takes seconds,
    /// which libFuzzer counts as a hang.
    case runFile = "run-file"
    /// The run store's readers on a database they did not write (``StoreHarness``).
    case store
    /// A multiple-choice task file (JSONL) for `loupe eval-lm --task`.
    case mcTask = "mc-task"
    /// An OpenAI chat-completion request body (`loupe serve`'s `POST /v1/chat/completions`).
    case chatRequest = "chat-request"
    /// The server's other request bodies: the first byte picks `/v1/completions`, `/tokenize`,
    /// `/detokenize` or (for a 2×2 model input) `/v1/predict`; the rest is the body.
    case serveRequest = "serve-request"
    /// Fine-tuning conversations (chat JSONL) rendered through the default model's chat template,
    /// with their loss masks.
    case chatData = "chat-data"
    /// A Hugging Face PEFT `adapter_config.json`.
    case adapterConfig = "adapter-config"
    /// What the ranks of a data-parallel job send each other before step 1 (run configurations,
    /// parameter lists) and the fault-injection variables: split into up to four "ranks".
    case rankMessages = "rank-messages"

    /// The largest input worth generating (libFuzzer's `-max_len`): enough for every structure
    /// of the format, small enough for fast runs.
    public var maxLength: Int {
        switch self {
        case .gguf, .safetensors: 4096
        case .csv, .runFile, .chatTemplate, .mcTask, .chatRequest, .serveRequest, .chatData, .adapterConfig, .rankMessages: 2048
        case .store: 65536
        case .idx: 1024
        case .cifar: 3 * CIFAR10.recordSize
        case .tokenizer: 512
        }
    }

    /// Why this harness cannot run here, or nil when it can (the tokenizer needs the default model).
    public var unavailableReason: String? {
        guard self == .tokenizer || self == .chatData else { return nil }
        switch Self.defaultTokenizer {
        case .success: return nil
        case let .failure(error): return "the tokenizer harness needs the default model: \(error)"
        }
    }

    /// Feeds `bytes` to the reader. Returns, or throws the reader's own error for bad input; throws
    /// ``FuzzPropertyViolation`` when something that must hold for every input does not (a bug, as a
    /// crash is).
    public func run(_ bytes: [UInt8]) throws {
        switch self {
        case .gguf: try Self.gguf(bytes)
        case .safetensors: _ = try SafeTensors.read(data: Data(bytes), source: "<fuzz>")
        case .csv:
            // The first byte picks the reader's options, so one corpus covers them all.
            let options = bytes.first ?? 0
            let reader = CSVReader(label: options & 1 == 0 ? .index(-1) : .name("label"),
                                   labelKind: options & 2 == 0 ? .classIndex : .regression,
                                   hasHeader: options & 1 == 1 || options & 4 == 0,
                                   delimiter: options & 8 == 0 ? "," : ";")
            _ = try reader.parse(Self.decompressed(Array(bytes.dropFirst())), file: "<fuzz>")
        case .idx: _ = try IDXReader.parse(Self.decompressed(bytes), file: "<fuzz>")
        case .cifar: _ = try CIFAR10.parseBatch(bytes, file: "<fuzz>")
        case .tokenizer: try Self.tokenizerRoundTrip(bytes)
        case .chatTemplate: try Self.chatTemplate(bytes)
        case .chatData: try Self.chatData(bytes)
        case .adapterConfig: _ = try PEFTAdapter.settings(json: Data(bytes), source: "<fuzz>")
        case .rankMessages: try Self.rankMessages(bytes)
        case .store: try StoreHarness.run(bytes)
        case .chatRequest:
            let request = try ChatCompletionRequest.read(Data(bytes))
            let options = request.generationOptions(limit: 64, fallbackSeed: 1)
            guard !request.messages.isEmpty, request.stop.count <= 4, (1...64).contains(options.maxTokens),
                  (0...2).contains(options.sampling.temperature) else {
                throw FuzzPropertyViolation("an accepted request is out of range: \(request)")
            }
        case .serveRequest:
            guard let first = bytes.first else { return }
            let body = Data(bytes.dropFirst())
            switch first % 4 {
            case 0:
                let request = try CompletionRequest.read(body)
                let options = request.generationOptions(limit: 64, fallbackSeed: 1)
                guard !request.prompt.isEmpty, request.stop.count <= 4, (1...64).contains(options.maxTokens),
                      (0...5).contains(request.logprobs ?? 0) else {
                    throw FuzzPropertyViolation("an accepted completion request is out of range: \(request)")
                }
            case 1: _ = try TokenizeRequest.read(body)
            case 2:
                guard try DetokenizeRequest.read(body).tokens.count <= 1_000_000 else { throw FuzzPropertyViolation("too many tokens accepted") }
            default:
                let request = try PredictRequest.read(body, size: 4, maxExamples: 8)
                guard !request.examples.isEmpty, request.examples.count <= 8,
                      request.examples.allSatisfy({ $0.count == 4 && $0.allSatisfy(\.isFinite) }) else {
                    throw FuzzPropertyViolation("an accepted predict request has a wrong example: \(request.examples)")
                }
            }
        case .mcTask:
            for item in try MultipleChoice.parseTask(Data(bytes), file: "<fuzz>") where item.choices.count < 2 || !item.choices.indices.contains(item.gold) {
                throw FuzzPropertyViolation("an item with \(item.choices.count) choices and gold \(item.gold) was accepted")
            }
        case .runFile:
            let config = try RunConfig(toml: String(decoding: bytes, as: UTF8.self), file: "<fuzz>")
            try config.validate()
            // A fine-tune's model is the base's file, not built from the run file.
            guard config.model.base == nil else { return }
            // The data is not loaded: a sample of `data.block_size` values (tokens or features)
            // stands in for it, and a 64-token vocabulary for a gpt that does not give its own.
            let vocabulary = config.model.layers.contains { if case .gpt(_, _, _, _, nil, _) = $0 { true } else { false } }
            _ = try ModelBuilder.build(config.model, sampleShape: config.model.input ?? [config.data.blockSize],
                                       outputs: vocabulary ? 64 : nil,
                                       seed: config.run.seed, batchSize: config.train.batchSize, memoryLimit: 64 << 20)
        }
    }

    /// What `FileBytes.readDecompressing` does to a file's bytes.
    static func decompressed(_ bytes: [UInt8]) throws -> [UInt8] {
        Gzip.isGzip(bytes) ? try Gzip.decompress(bytes, file: "<fuzz>", limit: 64 << 20) : bytes
    }

    static func gguf(_ bytes: [UInt8]) throws {
        let file = try GGUFFile(data: Data(bytes), name: "<fuzz>")
        for t in file.tensors {
            let slice = file.bytes(of: t)
            guard slice.count == t.byteCount else {
                throw FuzzPropertyViolation("tensor \(t.name): \(slice.count) bytes, its entry says \(t.byteCount)")
            }
        }
        _ = try? BPETokenizer(gguf: file)
        _ = try? ChatTemplate(gguf: file)
        _ = try? LlamaConfig(gguf: file)
        // What `loupe quantize` does with a file it accepts: the writer reproduces what was read,
        // and the quantizers take every weight matrix the plan picks, whatever its values.
        let tensors = file.tensors.map { GGUFTensorData(name: $0.name, shape: $0.shape, type: $0.type, bytes: Data(file.bytes(of: $0))) }
        if let written = try? GGUFWriter(metadata: file.metadata, tensors: tensors, emptyArrayElementTypes: file.emptyArrayElementTypes).serialize() {
            let again = try GGUFFile(data: written, name: "<fuzz, rewritten>")
            guard again.metadata.map(\.key) == file.metadata.map(\.key), again.tensors.map(\.name) == file.tensors.map(\.name),
                  zip(again.tensors, file.tensors).allSatisfy({ again.bytes(of: $0) == file.bytes(of: $1) }) else {
                throw FuzzPropertyViolation("the rewritten GGUF does not read back as the original")
            }
        }
        for type in GGMLQuantizer.writable {
            guard let job = try? GGUFQuantization(type: type) else { continue }
            for (plan, info) in zip(job.plan(file), file.tensors) where plan.action == .quantize && info.elementCount <= 1 << 16 {
                guard let values = try? file.floats(info) else { continue }
                let bytes = GGMLQuantizer.quantize(values, as: type)
                guard bytes.count == plan.targetBytes else { throw FuzzPropertyViolation("\(info.name): \(bytes.count) quantized bytes, expected \(plan.targetBytes)") }
            }
        }
    }

    static let defaultTokenizer = Result { try BPETokenizer(gguf: GGUFFile(contentsOf: DefaultModel.resolve(nil))) }

    /// Bytes with a token of their own. A byte without one is dropped by the encoder, as llama.cpp
    /// does (SmolLM2 lacks a few control bytes), so only the other bytes can come back.
    static let bytesWithTokens: Set<UInt8> = {
        guard let tokenizer = try? defaultTokenizer.get() else { return [] }
        return Set(tokenizer.tokens.indices.map { tokenizer.bytes(of: $0) }.filter { $0.count == 1 }.map { $0[0] })
    }()

    static func tokenizerRoundTrip(_ bytes: [UInt8]) throws {
        let tokenizer = try defaultTokenizer.get()
        let text = String(decoding: bytes, as: UTF8.self)
        let expected = text.utf8.filter { bytesWithTokens.contains($0) }
        for parseSpecial in [false, true] {
            let ids = tokenizer.encode(text, parseSpecial: parseSpecial)
            if let bad = ids.first(where: { !(0..<tokenizer.tokens.count).contains($0) }) {
                throw FuzzPropertyViolation("encode (parseSpecial: \(parseSpecial)) gave id \(bad), outside the vocabulary of \(tokenizer.tokens.count)")
            }
            // Bytes, not `decode`'s String: a dropped byte leaves invalid UTF-8 that would be replaced.
            let back = ids.flatMap { tokenizer.bytes(of: $0) }
            // With special parsing, a special token's text comes back whole even around dropped
            // bytes, so only a fully covered text has a known result.
            guard back == expected || (parseSpecial && expected.count != text.utf8.count) else {
                throw FuzzPropertyViolation("round trip (parseSpecial: \(parseSpecial)): \(text.debugDescription) → \(ids) → \(String(decoding: back, as: UTF8.self).debugDescription)")
            }
        }
    }

    static let chatMLTemplate = Result { try ChatTemplate(template: "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}") }

    /// Chat JSONL through the template and the default tokenizer: every example within the length
    /// limit, its mask one entry per token, and only tokens after the first supervised.
    static func chatData(_ bytes: [UInt8]) throws {
        let tokenizer = try defaultTokenizer.get(), template = try chatMLTemplate.get()
        let limit = 256
        let examples = try CausalLMData.chat(jsonl: String(decoding: bytes, as: UTF8.self), source: "<fuzz>", template: template,
                                              tokenizer: tokenizer, maxLength: limit)
        for e in examples {
            guard e.tokens.count <= limit, e.labels().count == max(e.tokens.count - 1, 0) || e.tokens.count < 2 else {
                throw FuzzPropertyViolation("an example of \(e.tokens.count) tokens passed the limit of \(limit) or has \(e.labels().count) labels")
            }
            guard e.tokens.allSatisfy({ (0..<tokenizer.tokens.count).contains($0) }) else { throw FuzzPropertyViolation("a token id outside the vocabulary") }
        }
        _ = LossMaskSummary(examples: examples, format: .chat, tokenizer: tokenizer)
    }

    /// Bytes up to the first NUL are the template; the rest, split at NULs, alternate role and content.
    static func chatTemplate(_ bytes: [UInt8]) throws {
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        let template = try ChatTemplate(template: parts.first ?? "")
        let rest = Array(parts.dropFirst())
        let messages = stride(from: 0, to: rest.count - 1, by: 2).map { ChatMessage(role: rest[$0], content: rest[$0 + 1]) }
        let prompt = template.render(messages)
        for m in messages where !prompt.contains("<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n") {
            throw FuzzPropertyViolation("the rendered prompt lacks the turn of \(m.role.debugDescription)")
        }
        // Control tokens come from the template alone: two per turn and one for the generation
        // prompt, whatever the roles and contents contain.
        let turns = messages.count + (template.defaultSystemPrompt != nil && messages.first?.role != "system" ? 1 : 0)
        let controls = template.pieces(messages).filter { if case .control = $0 { true } else { false } }.count
        guard controls == 2 * turns + 1 else {
            throw FuzzPropertyViolation("\(controls) control tokens for \(turns) turns: a message's text became control")
        }
    }
}

/// A property that must hold for every input failed: a bug in the reader, reported like a crash.
public struct FuzzPropertyViolation: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension FuzzHarness {
    /// Bytes as messages from 1–4 ranks (separated by 0xFF): the agreement checks must name a
    /// difference or none, never trap, and name none when every rank sent the same.
    static func rankMessages(_ bytes: [UInt8]) throws {
        let parts = bytes.split(separator: 0xFF, omittingEmptySubsequences: false).prefix(4).map { Data($0) }
        let texts = parts.map { String(decoding: $0, as: UTF8.self) }
        let runFiles = RankAgreement.runFileMismatch(parts)
        let parameters = RankAgreement.parameterMismatch(texts)
        if Set(parts).count == 1, runFiles != nil || parameters != nil {
            throw FuzzPropertyViolation("ranks that sent the same bytes were said to differ: \(runFiles ?? parameters ?? "")")
        }
        if let first = texts.first {
            let pairs = first.split(separator: "\n").map { line -> (String, String) in
                let halves = line.split(separator: "=", maxSplits: 1).map(String.init)
                return (halves.first ?? "", halves.count > 1 ? halves[1] : "")
            }
            _ = try? FaultInjection.fromEnvironment(Dictionary(pairs, uniquingKeysWith: { a, _ in a }))
        }
    }
}

