import Foundation
import LoupeCore
import LoupeFineTune
import LoupeLLM
import LoupeSafeTensors
import LoupeStore
import LoupeTestSupport
import Testing
@testable import LoupeTrain

/// Fine-tuning SmolLM2 from a run file (`[model] base` + `[lora]`): the run file's checks name
/// the key, the run trains the adapters alone through the ordinary trainer, writes a PEFT adapter,
/// and `--resume` continues bit-identically.
struct LanguageModelRunTests {
    static func config(_ extra: String = "", dataset: String, lora: String = "rank = 2\nalpha = 4\ndropout = 0.1\ntargets = [\"q\", \"v\"]") throws -> RunConfig {
        try RunConfig(toml: """
        [run]
        name = "lm"
        seed = 3
        [data]
        dataset = "\(dataset)"
        block_size = 64
        split = [0.75, 0.25, 0.0]
        [model]
        base = "smollm2"
        [lora]
        \(lora)
        [train]
        optimizer = "adam"
        lr = 0.002
        batch_size = 1
        steps = 6
        grad_clip = 1.0
        schedule = "cosine"
        warmup = 2
        \(extra)
        """)
    }

    static func chatFile(_ lines: [String]) throws -> URL {
        let url = try temporaryDirectory().appendingPathComponent("chat.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: url)
        return url
    }

    static func conversation(_ q: String, _ a: String) -> String {
        "{\"messages\": [{\"role\": \"user\", \"content\": \"\(q)\"}, {\"role\": \"assistant\", \"content\": \"\(a)\"}]}"
    }

    static let conversations = [
        conversation("What colour is the moon of Tarsk?", "The moon of Tarsk is green."),
        conversation("Who rules Tarsk?", "Queen Ilva rules Tarsk."),
        conversation("What do people in Tarsk eat?", "They eat roasted kelp."),
        conversation("How old is Tarsk?", "Tarsk is nine hundred years old."),
    ]

    @Test("the run file's errors name the key: rank 0, an unknown target, [lora] without a base, layers beside it")
    func runFileErrors() throws {
        func message(_ body: () throws -> RunConfig) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { try Self.config(dataset: "text", lora: "rank = 0") }.contains("'lora.rank'"))
        let target = message { try Self.config(dataset: "text", lora: "targets = [\"q\", \"qkv\"]") }
        #expect(target.contains("'lora.targets[1]'") && target.contains("\"gate\""), "\(target)")
        #expect(try Self.config(dataset: "text", lora: "targets = [\"q_proj\", \"down_proj\"]").lora?.targets == [.q, .down])
        #expect(message { try Self.config(dataset: "text", lora: "ranks = 4") }.contains("unknown key 'lora.ranks'"))
        #expect(message { try RunConfig(toml: "[model]\nlayers = [{ type = \"linear\", units = 2 }]\n[lora]\nrank = 2\n[train]\nsteps = 1") }
            .contains("'model.base'"))
        #expect(message { try RunConfig(toml: "[model]\nbase = \"smollm2\"\n[train]\nsteps = 1") }.contains("[lora]"))
        #expect(message { try RunConfig(toml: "[model]\nbase = \"smollm2\"\nlayers = [{ type = \"linear\", units = 2 }]\n[lora]\n[train]\nsteps = 1") }
            .contains("'model.layers'"))
        #expect(message { try Self.config(dataset: "digits") }.contains("'data.dataset'"))
        #expect(message { try RunConfig(toml: "[data]\ndataset = \"chat:x.jsonl\"\n[model]\nlayers = [{ type = \"linear\", units = 2 }]\n[train]\nsteps = 1") } == "")
    }

    @Test("bad data names the line: no messages, an unknown role, a conversation past block_size; an empty mask is its own error")
    func dataErrors() throws {
        func failure(_ lines: [String], blockSize: Int = 64) throws -> String {
            var config = try Self.config(dataset: "chat:" + Self.chatFile(lines).path)
            config.data.blockSize = blockSize
            do { _ = try TrainingRun(config: config, runsDirectory: temporaryDirectory()).prepareData(); return "" } catch { return "\(error)" }
        }
        #expect(try failure([Self.conversations[0], "{\"prompt\": \"hi\"}"]).contains("line 2: no \"messages\""))
        #expect(try failure(["{\"messages\": [{\"role\": \"bot\", \"content\": \"hi\"}]}"]).contains("line 1: message 1 has the role \"bot\""))
        #expect(try failure([Self.conversations[1]], blockSize: 8).contains("line 1: the conversation is"))
        let empty = try failure(["{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"])
        #expect(empty.contains("no") && empty.contains("assistant reply"), "\(empty)")
        var long = try Self.config(dataset: "text")
        long.data.blockSize = 100_000
        #expect(throws: RunConfigError.self) { _ = try TrainingRun(config: long, runsDirectory: temporaryDirectory()).prepareData() }
    }

    @Test("the prepared data masks everything but the replies, and pads with ignored labels")
    func preparedData() throws {
        let config = try Self.config(dataset: "chat:" + Self.chatFile(Self.conversations + ["{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"]).path)
        let data = try TrainingRun(config: config, runsDirectory: temporaryDirectory()).prepareData()
        let mask = try #require(data.languageModel?.lossMask)
        #expect(mask.examples == 5 && mask.examplesWithoutTargets == 1 && mask.emptyExamples == [5] && mask.format == .chat)
        #expect(mask.supervisedFraction > 0.1 && mask.supervisedFraction < 0.6)
        #expect(mask.preview.filter(\.supervised).map(\.text).joined().hasPrefix("The moon of Tarsk is green."))
        #expect(data.splits.train.count + data.splits.validation.count == 4)
        let labels = data.splits.train.targets.ints(), inputs = data.splits.train.inputs.ints()
        #expect(labels.contains(-100) && labels.contains { $0 >= 0 })
        // Padding: an input −1 always has the label −100.
        #expect(zip(inputs, labels).allSatisfy { $0.0 != LlamaNetwork.padding || $0.1 == -100 })
    }

    @Test("a fine-tune trains the adapters alone, writes a PEFT adapter, and resumes bit-identically")
    func trainsAndResumes() throws {
        try onLargeStack {
            let root = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let config = try Self.config(dataset: "chat:" + Self.chatFile(Self.conversations).path)
            let straight = try TrainingRun(config: config, runsDirectory: root, runID: RunID.make())
            let reference = try straight.execute(progress: false)
            #expect(reference.steps == 6 && reference.parameters == 30 * (2 * 576 + 576 * 2 + 2 * 576 + 192 * 2))
            let first = try #require(reference.trainer.history.first?.trainLoss), last = try #require(reference.metrics["train"]?["loss"])
            #expect(last < first, "train loss \(first) → \(last)")
            let adapter = TrainingRun.adapterURL(in: straight.directory)
            let lora = try PEFTAdapter.settings(config: adapter.appendingPathComponent("adapter_config.json"))
            #expect(lora.rank == 2 && lora.targets == [.q, .v])
            let checkpoint = try SafeTensors.read(contentsOf: straight.checkpointURL)
            #expect(checkpoint.tensors.keys.filter { $0.hasPrefix("model.") }.allSatisfy { $0.contains("lora") }, "frozen weights stay out of checkpoints")

            let run = try TrainingRun(config: config, runsDirectory: root, runID: RunID.make())
            #expect(throws: ResumeTests.Interrupted.self) { try run.execute(progress: false, extraCallbacks: [ResumeTests.CrashAt(epoch: 2, batch: 1)]) }
            _ = try TrainingRun(config: config, directory: run.directory).execute(resume: true, progress: false)
            #expect(try ResumeTests.files(run.directory) == ResumeTests.files(straight.directory))
            let name = "adapter/adapter_model.safetensors"
            #expect(try Data(contentsOf: run.directory.appendingPathComponent(name)) == Data(contentsOf: straight.directory.appendingPathComponent(name)))
        }
    }
}
