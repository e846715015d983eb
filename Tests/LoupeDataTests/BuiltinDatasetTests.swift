import Foundation
import LoupeCore
import Testing
@testable import LoupeData

@Suite("Built-in datasets")
struct BuiltinDatasetTests {
    @Test("digits: 1,797 images of 8×8 in [0, 1], ten classes, blank border pixels")
    func digits() throws {
        let loaded = try BuiltinDatasets.load(name: "digits")
        let data = loaded.train
        #expect(data.inputs.shape == [1797, 8, 8] && data.targets.shape == [1797] && loaded.classCount == 10)
        let labels = try data.labels()
        #expect(Set(labels) == Set(0..<10))
        // The first row of the file is a 0: "0,0,5,13,9,1,0,0,..."
        #expect(labels[0] == 0 && Array(data.inputs.floats()[0..<4]) == [0, 0, 5.0 / 16, 13.0 / 16])
        #expect(data.inputs.floats().allSatisfy { (0...1).contains($0) })

        // Pixel (0, 0) is blank in every image: normalizing must leave it finite.
        let splits = try DatasetSplits(splitting: data, seed: 0)
        for kind in [NormalizationKind.standard, .minmax] {
            let normalizer = try Normalizer.fit(kind, on: splits.train)
            #expect(normalizer.scale[0] == 1)
            #expect(try normalizer.apply(splits.test).inputs.floats().allSatisfy { $0.isFinite })
        }
    }

    @Test("text: the committed Shakespeare, under 1 MB, as next-character blocks")
    func text() throws {
        let loaded = try BuiltinDatasets.load(name: "text", options: .init(blockSize: 128))
        let vocab = try #require(loaded.vocabulary)
        #expect(vocab.characters.contains("H") && vocab.count < 100 && loaded.classCount == vocab.count)
        #expect(loaded.train.inputs.shape[1] == 128 && loaded.train.count > 7000)
        #expect(try vocab.decode(Array(loaded.train.inputs.ints().prefix(25))) == "HAMLET, PRINCE OF DENMARK")
        #expect(try BuiltinDatasets.shakespeare().tokens.count <= 1_000_000)
    }

    @Test("synthetic data is reproducible from the seed and shaped by the options")
    func synthetic() throws {
        let options = BuiltinDatasets.Options(samples: 90, features: 4, classes: 3, seed: 11)
        let a = try BuiltinDatasets.load(name: "synthetic-classification", options: options).train
        let b = try BuiltinDatasets.load(name: "synthetic-classification", options: options).train
        #expect(a.inputs.shape == [90, 4] && a.inputs.floats() == b.inputs.floats())
        #expect(try a.labels().filter { $0 == 2 }.count == 30)
        let r = try BuiltinDatasets.load(name: "synthetic-regression", options: .init(samples: 50, features: 3, outputs: 2, noise: 0, seed: 1))
        #expect(r.train.targets.shape == [50, 2] && r.classCount == nil)
        #expect(throws: DataError.self) { _ = try Synthetic.classification(samples: 0, features: 1, classes: 1, seed: 0) }
    }

    @Test("blobs are separable: the nearest class mean classifies most samples")
    func separable() throws {
        let (n, f) = (300, 5)
        let data = try Synthetic.classification(samples: n, features: f, classes: 3, seed: 2)
        let x = data.inputs.floats(), y = try data.labels()
        var means = [[Float]](repeating: [Float](repeating: 0, count: f), count: 3)
        for i in 0..<n { for j in 0..<f { means[y[i]][j] += x[f * i + j] / Float(n / 3) } }
        let correct = (0..<n).filter { i in
            let d = means.map { m in (0..<f).map { j in pow(x[f * i + j] - m[j], 2) }.reduce(0, +) }
            return d.firstIndex(of: d.min()!) == y[i]
        }.count
        #expect(correct > 270)
    }

    @Test("an unknown name lists the known ones")
    func unknown() throws {
        let message = dataErrorMessage { _ = try BuiltinDatasets.load(name: "imagenet") }
        #expect(message.contains("unknown dataset \"imagenet\"") && message.contains("digits") && message.contains("mnist:DIR"))
        #expect(throws: DataError.self) { _ = try BuiltinDatasets.load(name: "mnist:") }
    }
}
