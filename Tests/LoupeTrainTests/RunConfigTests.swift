import Foundation
import LoupeTestSupport
import Testing
@testable import LoupeTrain

@Suite("Run files")
struct RunConfigTests {
    @Test("every shipped example parses", arguments: try! FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent("examples").path).filter { $0.hasSuffix(".toml") }.sorted())
    func examplesParse(file: String) throws {
        let c = try example(file)
        #expect(!c.model.layers.isEmpty && !c.run.name.isEmpty)
    }

    @Test("defaults and values are read with their types")
    func values() throws {
        let c = try RunConfig(toml: """
            [run]
            name = "t"
            seed = 7
            [data]
            dataset = "synthetic-classification"
            label_noise = 0.2
            shuffle = false
            [model]
            input = [2]
            layers = [{ type = "linear", units = 3, init = { normal = 0.02 }, bias_init = 0.5 }]
            [train]
            optimizer = "adamw"
            lr = 3e-4
            steps = 100
            """)
        #expect(c.run.seed == 7 && c.data.labelNoise == 0.2 && !c.data.shuffle)
        #expect(c.model.layers[0] == .linear(units: 3, initializer: .normal(std: 0.02), biasInit: 0.5))
        #expect(c.train.optimizer == .adamW && c.train.lr == 3e-4 && c.train.steps == 100 && c.train.epochs == nil)
        #expect(c.train.batchSize == 64 && c.data.split == [0.8, 0.1, 0.1])
    }

    /// Each bad file must fail with a message naming the key, the value and what is allowed.
    @Test("bad files give errors that name the key, the value and what is allowed", arguments: [
        ("[train]\nlr = \"fast\"\n[model]\nlayers = [{type=\"flatten\"}]", ["train.lr", "\"fast\"", "a number"]),
        ("[train]\noptimizer = \"sgdd\"\n[model]\nlayers = [{type=\"flatten\"}]", ["train.optimizer", "sgdd", "adam"]),
        ("[train]\nlearning_rate = 0.1\n[model]\nlayers = [{type=\"flatten\"}]", ["train.learning_rate", "allowed", "lr"]),
        ("[model]\nlayers = [{type=\"dense\", units = 3}]", ["model.layers[0].type", "dense", "linear"]),
        ("[model]\nlayers = [{type=\"linear\"}]", ["model.layers[0].units"]),
        ("[model]\nlayers = [{type=\"linear\", units = 0}]", ["model.layers[0].units", "≥ 1"]),
        ("[data]\nsplit = [0.5, 0.1]\n[model]\nlayers = [{type=\"flatten\"}]", ["data.split", "adding up to 1"]),
        ("[data]\ndataset = \"imagenet\"\n[model]\nlayers = [{type=\"flatten\"}]", ["data.dataset", "imagenet", "digits"]),
        ("[data]\nnormalize = \"zscore\"\n[model]\nlayers = [{type=\"flatten\"}]", ["data.normalize", "standard"]),
        ("[model]\nlayers = []", ["model.layers"]),
        ("[train]\noptimizer = \"adam\"\nmomentum = 0.9\n[model]\nlayers = [{type=\"flatten\"}]", ["train.momentum", "0.9", "sgd"]),
        ("[train]\nschedule = \"step\"\nwarmup = 10\n[model]\nlayers = [{type=\"flatten\"}]", ["train.warmup", "10", "cosine"]),
        ("[model]\nlayers = [{type=\"gpt\", layers = 1, heads = 3, dim = 8, block = 4}]", ["model.layers[0].heads", "divisor"]),
        ("[train\nlr = 1", ["syntax", ":1:"]),
    ])
    func badFiles(toml: String, mustMention: [String]) throws {
        do {
            _ = try RunConfig(toml: toml)
            Issue.record("expected an error for:\n\(toml)")
        } catch let error as RunConfigError {
            for word in mustMention {
                #expect(error.description.contains(word), "'\(error)' should mention \(word)")
            }
        }
    }

    @Test("a model that does not fit the data is refused with the layer named")
    func modelMismatch() throws {
        var c = try example("digits-mlp.toml")
        c.model.layers[c.model.layers.count - 1] = .linear(units: 7)
        do {
            let c2 = c
            _ = try onLargeStack { try TrainingRun(config: c2, runsDirectory: try temporaryDirectory()).execute(progress: false) }
            Issue.record("a 7-way output for 10 classes must be refused")
        } catch let error as RunConfigError {
            #expect(error.description.contains("model.layers[2]") && error.description.contains("10"))
        }
    }
}
