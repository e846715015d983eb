import Foundation
import LoupeCore
import LoupeData
import LoupeFineTune
import LoupeGGUF
import LoupeLLM
import LoupeNN

/// A fine-tune's base model (`[model] base`), loaded once for both the data (its tokenizer and
/// chat template) and the network (its weights).
public final class BaseLanguageModel {
    /// The GGUF file.
    public let url: URL
    public let file: GGUFFile
    public let tokenizer: BPETokenizer
    /// The file's chat template; nil when it has none (then chat data cannot be rendered).
    public let template: ChatTemplate?

    /// `"smollm2"` (the default model) or a GGUF file's path.
    /// - Throws: ``RunConfigError`` naming `model.base` when the file is missing or unreadable.
    public init(_ base: String) throws {
        do {
            url = try DefaultModel.resolve(base == RunConfig.ModelSection.defaultBase ? nil : base)
            file = try GGUFFile(contentsOf: url)
            tokenizer = try BPETokenizer(gguf: file)
        } catch {
            throw RunConfigError.invalidValue(key: "model.base", value: base.runFileValue.tomlText,
                                              allowed: "\"\(RunConfig.ModelSection.defaultBase)\" or a Llama GGUF file with its tokenizer (\(error))")
        }
        template = try? ChatTemplate(gguf: file)
    }
}

/// What a fine-tune's prepared data adds: the base model and what the loss mask covers.
public struct LanguageModelData {
    public let base: BaseLanguageModel
    public let lossMask: LossMaskSummary
}

extension TrainingRun {
    /// The label of a position outside the loss mask (and of padding).
    static let ignoredLabel = -100

    /// A fine-tune's data: the run's text or conversations tokenized by the base model, one
    /// example per window (text) or conversation (chat), padded into [N, L] inputs and labels
    /// (inputs padded with ``LlamaNetwork/padding``, labels −100 outside the mask), then split as
    /// the run file says. Examples with no target are left out (the summary counts them).
    /// - Throws: ``EmptyLossMaskError`` when no example has a target; ``RunConfigError`` naming
    ///   the key for a sequence length past the model's context or unreadable data.
    func prepareLanguageModelData() throws -> PreparedData {
        let d = config.data
        let base = try BaseLanguageModel(config.model.base!)
        let shape = try LlamaConfig(gguf: base.file), context = shape.context
        try Check.that(d.blockSize >= 2 && d.blockSize <= context, "data.block_size", d.blockSize,
                       "an integer in [2, \(context)] (tokens per example, within the base model's context)")
        let examples: [CausalLMExample], summary: LossMaskSummary
        do {
            switch d.dataset {
            case .chat(let path):
                guard let template = base.template else {
                    throw RunConfigError.invalidValue(key: "data.dataset", value: d.dataset.name.runFileValue.tomlText,
                                                      allowed: "plain text: \(base.url.lastPathComponent) has no chat template to render conversations with")
                }
                examples = try CausalLMData.chat(jsonl: Self.readText(path), source: path, template: template, tokenizer: base.tokenizer,
                                                 maxLength: d.blockSize)
                summary = LossMaskSummary(examples: examples, format: .chat, tokenizer: base.tokenizer)
            case .textFile(let path):
                let text = try Self.readText(path)
                examples = try CausalLMData.text(text, tokenizer: base.tokenizer, length: d.blockSize)
                summary = LossMaskSummary(examples: examples, format: .text, tokenizer: base.tokenizer, text: text)
            default:
                let text = try String(contentsOfFile: BuiltinDatasets.shakespearePath(), encoding: .utf8)
                examples = try CausalLMData.text(text, tokenizer: base.tokenizer, length: d.blockSize)
                summary = LossMaskSummary(examples: examples, format: .text, tokenizer: base.tokenizer, text: text)
            }
        } catch let error as FineTuneError {
            throw RunConfigError.invalidValue(key: "data.dataset", value: d.dataset.name.runFileValue.tomlText, allowed: "usable data: \(error)")
        }
        let kept = examples.filter { $0.supervisedCount > 0 }
        guard !kept.isEmpty else { throw EmptyLossMaskError(source: d.dataset.name, summary: summary) }
        var splits = try DatasetSplits(splitting: Self.tokenDataset(kept), fractions: d.split, seed: config.run.seed)
        if d.trainLimit > 0 { splits = DatasetSplits(train: try splits.train.limited(to: d.trainLimit), validation: splits.validation, test: splits.test) }
        return PreparedData(splits: splits, outputs: shape.vocabulary, vocabulary: nil,
                            languageModel: LanguageModelData(base: base, lossMask: summary))
    }

    static func readText(_ path: String) throws -> String {
        let bytes: Data
        do { bytes = try InputFile.read(path) } catch { throw RunConfigError.unreadable(file: path, reason: "data.dataset: \(error.reason)") }
        guard let text = String(data: bytes, encoding: .utf8) else { throw RunConfigError.unreadable(file: path, reason: "data.dataset: it is not UTF-8 text") }
        return text
    }

    /// Examples as inputs and labels [N, L − 1] (L the longest example), int64.
    static func tokenDataset(_ examples: [CausalLMExample]) throws -> TensorDataset {
        let width = (examples.map(\.tokens.count).max() ?? 2) - 1
        var inputs: [Int] = [], labels: [Int] = []
        inputs.reserveCapacity(examples.count * width)
        labels.reserveCapacity(examples.count * width)
        for e in examples {
            let x = e.inputs, y = e.labels(ignoreIndex: ignoredLabel)
            inputs += x + Array(repeating: LlamaNetwork.padding, count: width - x.count)
            labels += y + Array(repeating: ignoredLabel, count: width - y.count)
        }
        return try TensorDataset(inputs: Tensor(indices: inputs).reshaped([examples.count, width]),
                                 targets: Tensor(indices: labels).reshaped([examples.count, width]))
    }

    /// The base model with the run's adapters, in a trainer with the masked next-token loss.
    func makeLanguageModelTrainer(_ data: PreparedData) throws -> (Trainer, Module) {
        guard let lm = data.languageModel, let lora = config.lora else { throw RunConfigError.missingKey(key: "lora") }
        let network: LlamaNetwork
        do { network = try LlamaNetwork(gguf: lm.base.file, lora: lora.lora(seed: config.run.seed)) } catch let error as TensorError {
            throw RunConfigError.invalidValue(key: "lora.rank", value: String(lora.rank), allowed: "a rank the model's projections allow (\(error))")
        }
        network.checkpointsBlocks = config.model.gradientCheckpointing
        let trainer = Trainer(model: network, optimizer: try makeOptimizer(network.parameters()), loss: .crossEntropy)
        trainer.ignoreIndex = Self.ignoredLabel
        trainer.gradientClip = config.train.gradClip
        trainer.evaluateEvery = config.train.evalEvery
        trainer.evaluationBatchSize = config.train.batchSize
        return (trainer, network)
    }

    /// Where a fine-tune's adapter is written (Hugging Face PEFT's two files), in its folder.
    public static func adapterURL(in directory: URL) -> URL { directory.appendingPathComponent("adapter") }
}
