import Foundation
import LoupeCore
import LoupeLLM
import LoupeNN
import LoupeReport
import LoupeSafeTensors

/// A ``LlamaNetwork``'s LoRA adapters as Hugging Face PEFT saves them, so they load into
/// `PeftModel.from_pretrained` and PEFT's adapters load here: `adapter_model.safetensors`
/// (float32 `base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight` [r, in] and
/// `….lora_B.weight` [out, r] for every adapted projection, Q and K rows in Hugging Face's order)
/// and `adapter_config.json` (`peft_type` LORA, `r`, `lora_alpha`, `lora_dropout`,
/// `target_modules`, `task_type` CAUSAL_LM).
public enum PEFTAdapter {
    public static let weightsFile = "adapter_model.safetensors"
    public static let configFile = "adapter_config.json"
    static let prefix = "base_model.model."

    /// The adapter tensors by PEFT name.
    public static func tensors(of network: LlamaNetwork) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (layer, block) in network.blocks.enumerated() {
            for p in LlamaProjection.allCases {
                guard let adapter = block.adapter(p) else { continue }
                let path = prefix + HuggingFaceLlama.modulePath(layer: layer, p)
                var b = try adapter.loraB.value.detach().to(.float32)
                if let heads = HuggingFaceLlama.permutedHeads(p, network.config) {
                    b = try HuggingFaceLlama.reorderRows(b, heads: heads, toGGUF: false)
                }
                out["\(path).lora_A.weight"] = try adapter.loraA.value.detach().to(.float32)
                out["\(path).lora_B.weight"] = b
            }
        }
        return out
    }

    /// PEFT's `adapter_config.json` for `lora`.
    public static func configJSON(_ lora: LlamaLoRA, baseModel: String?) throws -> Data {
        let config: [String: Any] = [
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": lora.rank, "lora_alpha": lora.alpha,
            "lora_dropout": lora.dropout, "bias": "none", "fan_in_fan_out": false, "inference_mode": true,
            "target_modules": lora.targets.map(\.peftName).sorted(), "base_model_name_or_path": baseModel ?? NSNull(),
            "use_rslora": false, "use_dora": false, "init_lora_weights": true, "modules_to_save": NSNull(),
        ]
        return try LoupeJSON.data(config, pretty: true)
    }

    /// Writes both files into `directory` (created if needed), each atomically.
    public static func save(_ network: LlamaNetwork, to directory: URL, baseModel: String? = nil) throws {
        guard let lora = network.lora else { throw FineTuneError("the network has no LoRA adapters to save") }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SafeTensors.write(try tensors(of: network), metadata: ["format": "pt"], to: directory.appendingPathComponent(weightsFile))
        try AtomicFile.write(try configJSON(lora, baseModel: baseModel), to: directory.appendingPathComponent(configFile))
    }

    /// The LoRA settings of a PEFT `adapter_config.json`.
    public static func settings(config url: URL) throws -> LlamaLoRA {
        let data: Data
        do { data = try InputFile.read(url.path) } catch { throw FineTuneError("\(url.path): \(error.reason)") }
        return try settings(json: data, source: url.path)
    }

    /// The LoRA settings in the bytes of an `adapter_config.json`; `source` names it in errors.
    public static func settings(json data: Data, source: String) throws -> LlamaLoRA {
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw FineTuneError("\(source): not a JSON object")
        }
        func field<T>(_ key: String, _: T.Type) throws -> T {
            guard let v = json[key] as? T else { throw FineTuneError("\(source): \"\(key)\" is missing or not a \(T.self)") }
            return v
        }
        guard (json["peft_type"] as? String) == "LORA" else {
            throw FineTuneError("\(source): peft_type is \(json["peft_type"].map { "\($0)" } ?? "missing"); only LORA adapters load")
        }
        if json["use_dora"] as? Bool == true || json["use_rslora"] as? Bool == true {
            throw FineTuneError("\(source): DoRA and rsLoRA adapters are not supported; only plain LoRA (use_dora and use_rslora false)")
        }
        let names: [String]
        if let list = json["target_modules"] as? [String] {
            names = list
        } else {
            throw FineTuneError("\(source): target_modules must be a list of module names such as [\"q_proj\", \"v_proj\"]")
        }
        var targets: Set<LlamaProjection> = []
        for name in names {
            guard let p = LlamaProjection.allCases.first(where: { $0.peftName == name || $0.rawValue == name }) else {
                throw FineTuneError("\(source): target module \"\(name)\" is not a Llama projection (\(LlamaProjection.allCases.map(\.peftName).joined(separator: ", ")))")
            }
            targets.insert(p)
        }
        let rank = try field("r", Int.self), alpha = try field("lora_alpha", Double.self)
        let dropout = json["lora_dropout"] as? Double ?? 0
        guard (1...65_536).contains(rank) else { throw FineTuneError("\(source): r is \(rank); a LoRA rank is an integer in 1...65536") }
        guard alpha.isFinite, alpha > 0 else { throw FineTuneError("\(source): lora_alpha is \(alpha); it must be a positive number") }
        guard dropout.isFinite, (0..<1).contains(dropout) else { throw FineTuneError("\(source): lora_dropout is \(dropout); it must be in [0, 1)") }
        guard !targets.isEmpty else { throw FineTuneError("\(source): target_modules is empty; name at least one projection") }
        return LlamaLoRA(rank: rank, alpha: alpha, dropout: dropout, targets: targets)
    }

    /// Sets `network`'s adapters (made with the directory's settings) to the directory's tensors.
    /// Every adapter must be present with its shape; tensors the network has no adapter for are
    /// an error, naming them.
    public static func load(_ directory: URL, into network: LlamaNetwork) throws {
        let file = try SafeTensors.read(contentsOf: directory.appendingPathComponent(weightsFile))
        var unused = Set(file.names)
        for (layer, block) in network.blocks.enumerated() {
            for p in LlamaProjection.allCases {
                guard let adapter = block.adapter(p) else { continue }
                let path = prefix + HuggingFaceLlama.modulePath(layer: layer, p)
                let a = try file.tensor("\(path).lora_A.weight"), b = try file.tensor("\(path).lora_B.weight")
                guard a.shape == adapter.loraA.shape, b.shape == adapter.loraB.shape else {
                    throw FineTuneError("\(file.source): \(path) is A \(a.shape), B \(b.shape); the model's adapter needs A \(adapter.loraA.shape), B \(adapter.loraB.shape)")
                }
                let dtype = adapter.loraA.value.dtype
                adapter.loraA.value = try a.to(dtype)
                let heads = HuggingFaceLlama.permutedHeads(p, network.config)
                adapter.loraB.value = try (heads.map { try HuggingFaceLlama.reorderRows(b, heads: $0, toGGUF: true) } ?? b).to(dtype)
                unused.remove("\(path).lora_A.weight")
                unused.remove("\(path).lora_B.weight")
            }
        }
        guard unused.isEmpty else {
            throw FineTuneError("\(file.source): tensors \(unused.sorted().prefix(5).joined(separator: ", ")) match no adapter of the model (check target_modules and the layer count)")
        }
    }
}
