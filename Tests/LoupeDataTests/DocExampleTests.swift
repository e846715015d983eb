import Foundation
import LoupeCore
import LoupeData
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeData, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func tensorDatasetExample() throws {
        // example: TensorDataset
        let data = try TensorDataset(inputs: Tensor([0, 1, 2, 3], shape: [2, 2]), targets: Tensor(indices: [0, 1]))
        let (x, y) = try data.batch([1])   // x: [1, 2], y: [1]
        // end example
        #expect(x.shape == [1, 2] && y.ints() == [1])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeData/Dataset/TensorDataset.swift", markedAs: "TensorDataset", in: #filePath) == nil)
    }

    @Test func dataLoaderExample() throws {
        let splits = try DatasetSplits(splitting: Synthetic.classification(samples: 100, features: 2, classes: 2, seed: 1), seed: 1)
        let train = splits.train, epochs = 2
        var steps = 0
        func step(_ inputs: Tensor, _ targets: Tensor) throws { steps += 1 }
        // example: DataLoader
        var loader = try DataLoader(dataset: train, batchSize: 32, shuffle: true, seed: 1)
        for _ in 0..<epochs {
            var epoch = loader.makeEpoch()
            while let batch = try epoch.next() { try step(batch.inputs, batch.targets) }
        }
        // end example
        #expect(steps == 2 * loader.batchesPerEpoch)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeData/Dataset/DataLoader.swift", markedAs: "DataLoader", in: #filePath) == nil)
    }

    @Test func normalizerExample() throws {
        let splits = try DatasetSplits(splitting: Synthetic.classification(samples: 100, features: 2, classes: 2, seed: 1), seed: 1)
        // example: Normalizer
        let normalizer = try Normalizer.fit(.standard, on: splits.train)
        let train = try normalizer.apply(splits.train), test = try normalizer.apply(splits.test)
        // end example
        #expect(train.count == splits.train.count && test.count == splits.test.count)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeData/Dataset/Normalizer.swift", markedAs: "Normalizer", in: #filePath) == nil)
    }

    @Test func textExamples() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var path = directory.appendingPathComponent("input.txt").path
        try String(repeating: "to be or not to be ", count: 20).write(toFile: path, atomically: true, encoding: .utf8)
        // example: TextCorpus
        let corpus = try TextCorpus(contentsOf: path)   // any UTF-8 text file
        let data = try corpus.blocks(blockSize: 64)   // inputs [N, 64] int64, targets [N, 64] int64
        // end example
        #expect(data.sampleShape == [64])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeData/Text/TextDataset.swift", markedAs: "TextCorpus", in: #filePath) == nil)

        // example: CharVocabulary
        let vocab = CharVocabulary(text: "hello")      // ["e", "h", "l", "o"]
        let ids = try vocab.encode("hole")             // [1, 3, 2, 0]
        let text = try vocab.decode(ids)               // "hole"
        // end example
        #expect(ids == [1, 3, 2, 0] && text == "hole")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeData/Text/CharVocabulary.swift", markedAs: "CharVocabulary", in: #filePath) == nil)

        path = directory.appendingPathComponent("iris.csv").path
        try "sepal,species\n1.0,0\n2.0,2\n".write(toFile: path, atomically: true, encoding: .utf8)
        // example: CSVReader
        let iris = try CSVReader(label: .name("species")).read(path)   // e.g. iris.csv with a header row
        // end example
        #expect(iris.count == 2)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeData/Readers/CSVReader.swift", markedAs: "CSVReader", in: #filePath) == nil)
    }

    @Test func datasetSourceExample() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("iris.csv").path
        try "sepal,petal,species\n5.1,1.4,0\n7.0,4.7,1\n6.3,6.0,2\n5.8,4.1,1\n".write(toFile: path, atomically: true, encoding: .utf8)
        // example: DatasetSource
        let source = try DatasetSource(name: "csv:" + path)   // .csv(path: path)
        let loaded = try BuiltinDatasets.load(source)          // loaded.train: every row; loaded.classCount
        // end example
        #expect(source == .csv(path: path) && source.name == "csv:" + path)
        #expect(loaded.train.count == 4 && loaded.train.sampleShape == [2] && loaded.classCount == 3 && loaded.test == nil)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeData/Registry/DatasetSource.swift", markedAs: "DatasetSource", in: #filePath) == nil)
    }
}
