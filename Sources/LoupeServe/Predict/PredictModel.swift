import Foundation
import LoupeCore
import LoupeEval
import LoupeTrain

/// A trained run ready to answer: its model restored from a checkpoint, the preparation its
/// inputs need, and what `GET /v1/model` tells a client.
public final class PredictModel: @unchecked Sendable {
    public let name: String
    public let folder: URL
    public let checkpoint: URL
    public let preparation: InputPreparation
    public let parameters: Int
    /// The latest evaluation's figures and verdict, when the run has one.
    public let evaluation: Evaluation?
    private let trainer: Trainer

    /// Loads `folder` (a run's folder) at its best checkpoint (or last, when there is no best).
    public init(folder: URL, evaluation: Evaluation? = nil) throws {
        let config = try RunEvaluator(folder: folder).config()
        let run = try TrainingRun(config: config, directory: folder)
        let prepared = try run.prepareData()
        let (trainer, model) = try run.makeTrainer(prepared)
        let best = folder.appendingPathComponent("checkpoints/best.safetensors")
        checkpoint = FileManager.default.fileExists(atPath: best.path) ? best : folder.appendingPathComponent("checkpoints/last.safetensors")
        try Checkpoint.restore(trainer, from: checkpoint)
        (self.trainer, self.folder, self.name, self.evaluation) = (trainer, folder, config.run.name, evaluation)
        preparation = try run.inputPreparation()
        parameters = model.parameters().map(\.value.count).reduce(0, +)
    }

    /// Numbers in one example.
    public var exampleSize: Int { preparation.sampleShape.reduce(1, *) }

    /// The model's outputs [N, outputs] for `examples` (each `exampleSize` raw numbers), as rows.
    /// Called from one thread at a time (the batcher's).
    public func predict(_ examples: [[Float]]) throws -> [[Float]] {
        let inputs = Tensor(examples.flatMap { $0 }, shape: [examples.count] + preparation.sampleShape)
        let outputs = try trainer.predict(try preparation.apply(inputs))
        let width = outputs.count / max(examples.count, 1)
        let values = outputs.floats()
        return (0..<examples.count).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// `GET /v1/model`.
    func summary() -> JSONObject {
        let figures = evaluation.map { e in JSONObject(e.figures.sorted { $0.key < $1.key }.map { ($0.key, $0.value as (any Encodable)?) }) }
        return JSONObject([("name", name), ("run", folder.lastPathComponent), ("folder", folder.path), ("checkpoint", checkpoint.lastPathComponent),
                           ("input_shape", preparation.sampleShape), ("classes", preparation.classes), ("parameters", parameters),
                           ("task", preparation.classes == nil ? "regression" : "classification"),
                           ("evaluation", figures), ("verdict", evaluation?.verdict.map { $0.passed ? "PASS" : "FAIL" })])
    }
}
