import Foundation
import LoupeCore
import LoupeSafeTensors
import LoupeTestSupport
import Testing

/// The doc comments' examples in LoupeSafeTensors, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func writeAndReadExamples() throws {
        let runDirectory = try LoupeTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        let w = Tensor([1, 2, 3, 4], shape: [2, 2]), b = Tensor([5, 6], shape: [2])
        // example: SafeTensors
        let url = runDirectory.appendingPathComponent("weights.safetensors")
        try SafeTensors.write(["fc.weight": w, "fc.bias": b], metadata: ["format": "pt"], to: url)
        let file = try SafeTensors.read(contentsOf: url)
        let w2 = try file.tensor("fc.weight")
        // end example
        #expect(w2.floats() == [1, 2, 3, 4])
        #expect(try docExampleMismatch(0, in: "Sources/LoupeSafeTensors/SafeTensors.swift", markedAs: "SafeTensors", in: #filePath) == nil)
        try readExample(url)
    }

    func readExample(_ url: URL) throws {
        // example: SafeTensorsFile
        let file = try SafeTensors.read(contentsOf: url)
        let weight = try file.tensor("fc.weight")       // throws, naming the file, if absent
        print(file.names)                                // in file order
        print(file.metadata["format"] ?? "-")            // "pt" for files written by PyTorch
        // end example
        #expect(weight.shape == [2, 2] && Set(file.names) == ["fc.bias", "fc.weight"] && file.metadata["format"] == "pt")
        #expect(try docExampleMismatch(0, in: "Sources/LoupeSafeTensors/SafeTensorsFile.swift", markedAs: "SafeTensorsFile", in: #filePath) == nil)
    }
}
