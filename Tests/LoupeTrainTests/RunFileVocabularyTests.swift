import Foundation
import LoupeData
import LoupeTestSupport
import Testing
@testable import LoupeTrain

/// The names run files use come from one place each: the dataset registry (`DatasetSource`), the
/// layer, optimizer and schedule enums. The parser, the loader and the docs agree with them.
@Suite("Run-file vocabulary")
struct RunFileVocabularyTests {
    static func parsed(dataset: String) throws -> RunConfig {
        try RunConfig(toml: "[data]\ndataset = \(RunFileValue.string(dataset).tomlText)\n[model]\nlayers = [{ type = \"flatten\" }]")
    }

    @Test("every dataset kind's name parses back to it", arguments: DatasetSource.allKinds)
    func datasetNamesRoundTrip(source: DatasetSource) throws {
        #expect(try DatasetSource(name: source.name) == source)
        #expect(try Self.parsed(dataset: source.name).data.dataset == source)
    }

    /// The placeholder paths (`csv:PATH`) name no file: loading them may fail, but only for that.
    @Test("every name the parser accepts loads, or fails only for a missing file", arguments: DatasetSource.allKinds)
    func everyAcceptedNameLoads(source: DatasetSource) throws {
        let config = try Self.parsed(dataset: source.name)
        if case .chat = source {
            // Conversations need an LLM's tokenizer and template: only a fine-tune reads them.
            #expect(throws: DataError.self) { try BuiltinDatasets.load(config.data.dataset) }
            return
        }
        do {
            let loaded = try BuiltinDatasets.load(config.data.dataset, options: .init(blockSize: 16, samples: 30))
            #expect(loaded.train.count > 0 && source.path == nil)
        } catch let error as DataError {
            guard case .unreadable = error else {
                Issue.record("\(source.name): \(error)")
                return
            }
            #expect(source.path != nil, "\(source.name): \(error)")
        }
    }

    @Test("text:PATH, csv:PATH and mnist:DIR name files that load")
    func fileKindsLoad() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = dir.appendingPathComponent("tiny.txt")
        try String(repeating: "to be or not to be\n", count: 20).write(to: text, atomically: true, encoding: .utf8)
        let csv = dir.appendingPathComponent("points.csv")
        try "x,y,label\n0.5,1.5,0\n2.5,0.5,1\n".write(to: csv, atomically: true, encoding: .utf8)
        let mnist = repositoryRoot.appendingPathComponent("Tests/LoupeDataTests/Fixtures/mnist")
        for name in ["text:" + text.path, "csv:" + csv.path, "mnist:" + mnist.path] {
            let config = try Self.parsed(dataset: name)
            #expect(config.data.dataset.name == name)
            let loaded = try BuiltinDatasets.load(config.data.dataset, options: .init(blockSize: 8))
            #expect(loaded.train.count > 0, "\(name)")
        }
        #expect(try Self.parsed(dataset: "text:" + text.path).data.dataset == .textFile(path: text.path))
    }

    @Test("an unknown dataset lists every kind")
    func unknownDataset() throws {
        #expect(throws: RunConfigError.invalidValue(key: "data.dataset", value: "\"imagenet:x\"",
                                                    allowed: DatasetSource.allKinds.map(\.name).joined(separator: " | "))) {
            try Self.parsed(dataset: "imagenet:x")
        }
        #expect(throws: RunConfigError.self) { try Self.parsed(dataset: "csv:") }
    }

    @Test("docs/RUNFILES.md names every value the enums define")
    func docsListEveryValue() throws {
        let docs = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/RUNFILES.md"), encoding: .utf8)
        for (key, values) in RunConfig.choices {
            for value in values {
                #expect(docs.contains(value), "docs/RUNFILES.md does not mention \(value) (\(key))")
            }
        }
    }
}
