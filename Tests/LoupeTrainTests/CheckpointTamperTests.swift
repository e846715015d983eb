import Foundation
import LoupeCore
import LoupeNN
import LoupeSafeTensors
import LoupeTestSupport
import Testing
@testable import LoupeTrain

/// A checkpoint whose contents disagree with what restoring it needs is refused with the field
/// named — never accepted silently (integers read as weights) and never a trap later (a step of
/// Int64.max counted on).
@Suite("Tampered checkpoints")
struct CheckpointTamperTests {
    static func trainer() throws -> Trainer {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([try Linear(4, 2, using: &rng)])
        return Trainer(model: model, optimizer: try SGD(model.parameters(), lr: 0.1), loss: .mse)
    }

    /// Saves a checkpoint, lets `edit` change its tensors and metadata, writes it back, and
    /// returns the error restoring it throws (nil when it restores).
    static func restoreError(_ edit: (inout [String: Tensor], inout [String: String]) -> Void) throws -> String? {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("last.safetensors")
        try Checkpoint.save(try trainer(), to: url)
        let file = try SafeTensors.read(contentsOf: url)
        var tensors = file.tensors, metadata = file.metadata
        edit(&tensors, &metadata)
        try SafeTensors.write(tensors, metadata: metadata, to: url)
        do {
            try Checkpoint.restore(try trainer(), from: url)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func anUntouchedCheckpointRestores() throws {
        #expect(try Self.restoreError { _, _ in } == nil)
    }

    @Test func absurdCountersAreRefused() throws {
        let step = try Self.restoreError { _, m in m["step"] = String(Int64.max) }
        #expect(step?.contains("metadata 'step' (9223372036854775807)") == true, "\(step ?? "restored")")
        #expect(try Self.restoreError { _, m in m["epoch"] = "-1" }?.contains("'epoch' (-1)") == true)
        #expect(try Self.restoreError { _, m in m["lr"] = "nan" }?.contains("metadata 'lr' is nan") == true)
    }

    @Test func aLoaderPositionThatIsNotOneIsNamed() throws {
        let error = try Self.restoreError { _, m in m["loader"] = "{\"epoch\": \"soon\"}" }
        #expect(error?.contains("metadata 'loader' is not a data loader's position") == true, "\(error ?? "restored")")
    }

    @Test func integersAreNotReadAsWeights() throws {
        let error = try Self.restoreError { t, _ in t["model.layers.0.weight"] = Tensor.zeros([2, 4], dtype: .int64) }
        #expect(error?.contains("the saved tensor is int64, the parameter float32") == true, "\(error ?? "restored")")
        #expect(error?.contains("its model does not fit the run file's") == true, "\(error ?? "restored")")
    }

    @Test("a checkpoint of another model says so, naming the checkpoint and the tensor")
    func anotherModel() throws {
        let error = try Self.restoreError { t, _ in t["model.layers.0.bias"] = nil }
        #expect(error?.hasPrefix("checkpoint ") == true && error?.contains("its model does not fit the run file's") == true
                && error?.contains("layers.0.bias") == true, "\(error ?? "restored")")
    }
}
