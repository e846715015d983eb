import ArgumentParser
import Foundation
import LoupeCore
import LoupeFineTune
import LoupeGGUF
import LoupeLLM
import LoupeReport

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge a LoRA adapter into its base model and write a GGUF model of its own.",
        discussion: """
            Reads a LoRA adapter in Hugging Face PEFT's files (adapter_config.json and \
            adapter_model.safetensors, as Loupe's fine-tuning writes them and as PEFT saves them) \
            and the GGUF model it was trained on, and writes a copy of the model with every adapted \
            projection replaced by W + (α/r)·B·A. `loupe generate`, `trace`, `serve` and llama.cpp \
            load the result like any model. Metadata (tokenizer, chat template) and all other \
            tensors are copied unchanged. The base model is only read; the output is written \
            atomically.

            --type sets the merged projections' type: f32, f16, q8_0, q4_0 or q4_1 (default: each \
            base tensor's own type, re-quantized from the merged float weights).

            Examples:
              loupe merge smollm2.gguf runs/facts/adapter merged.gguf
              loupe merge smollm2.gguf runs/facts/adapter merged.f16.gguf --type f16
            """
    )

    @Argument(help: ArgumentHelp("The base GGUF model (default model: smollm2).", valueName: "base.gguf")) var base: String
    @Argument(help: ArgumentHelp("The adapter's folder (adapter_config.json, adapter_model.safetensors).", valueName: "adapter")) var adapter: String
    @Argument(help: ArgumentHelp("Where to write the merged model.", valueName: "out.gguf")) var output: String
    @Option(help: ArgumentHelp("The merged projections' type: f32, f16, q8_0, q4_0 or q4_1.", valueName: "type")) var type: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        if let type { _ = try Self.parseType(type) }
    }

    static func parseType(_ name: String) throws -> GGMLType {
        guard let t = MergedModel.types.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw ValidationError("--type \(name): choose one of \(MergedModel.types.map { $0.name.lowercased() }.joined(separator: ", "))")
        }
        return t
    }

    struct Output: Encodable {
        let base: String, adapter: String, output: String, mergedTensors: [String], rank: Int, alpha: Double, bytes: Int
    }

    func run() throws {
        let baseURL = try DefaultModel.resolve(base == "smollm2" ? nil : base)
        let adapterURL = URL(fileURLWithPath: adapter), outputURL = URL(fileURLWithPath: output)
        guard baseURL.standardizedFileURL.path != outputURL.standardizedFileURL.path else {
            throw CommandFailure("\(output) is the base model; write the merged model to another file (the base is never modified)")
        }
        let names: [String], lora: LlamaLoRA
        do {
            lora = try PEFTAdapter.settings(config: adapterURL.appendingPathComponent(PEFTAdapter.configFile))
            let file = try GGUFFile(contentsOf: baseURL)
            let network = try LlamaNetwork(gguf: file, lora: lora)
            try PEFTAdapter.load(adapterURL, into: network)
            names = try MergedModel.write(network, base: file, to: outputURL, type: try type.map(Self.parseType))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw CommandFailure(error)
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: outputURL.path)[.size] as? Int) ?? 0
        if json {
            let out = Output(base: baseURL.path, adapter: adapter, output: output, mergedTensors: names, rank: lora.rank, alpha: lora.alpha, bytes: bytes)
            print(String(decoding: try LoupeJSON.encoder().encode(out), as: UTF8.self))
        } else {
            print("Wrote \(output): \(names.count) projections merged (rank \(lora.rank), α \(lora.alpha.formatted()), "
                  + "\(lora.targets.map(\.rawValue).sorted().joined(separator: ", "))), \(Quantize.megabytes(bytes))")
        }
    }
}
