import Foundation
import LoupeDistributed
import LoupeTestSupport
import LoupeTrain
import Testing

/// The doc comments' examples in LoupeDistributed, compiled and run here and checked against the source.
struct DocExampleTests {
    @Test func distributedTrainingExample() throws {
        var config = try RunConfig(toml: SoloTrainingTests.config)
        config.train.epochs = 1
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-doc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        // example: DistributedTraining
        // Under mpirun: DistributedTraining(communicator: try MPICommunicator.shared())
        let parallel = DistributedTraining(communicator: SoloCommunicator())
        let result = try TrainingRun(config: config, directory: folder).execute(progress: false, dataParallel: parallel)
        print(parallel.telemetry.steps.count, result.metrics["test"]?["accuracy"] ?? 0)   // the steps trained, the test accuracy
        // end example
        #expect(parallel.telemetry.steps.count == result.steps && result.steps > 0)
        #expect((result.metrics["test"]?["accuracy"] ?? 0) > 0.5)
        #expect(try docExampleMismatch(0, in: "Sources/LoupeDistributed/DistributedTraining.swift", markedAs: "DistributedTraining", in: #filePath) == nil)
    }
}
