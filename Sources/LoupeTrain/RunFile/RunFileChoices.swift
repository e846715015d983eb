import LoupeCore
import LoupeData
import LoupeLLM
import LoupeNN

extension RunConfig {
    /// The values each key with a fixed set of them takes, listed by the types that read them:
    /// what `loupe train --help` shows (and docs/RUNFILES.md, which a test holds to it).
    public static var choices: [(key: String, values: [String])] {
        [("data.dataset", DatasetSource.allKinds.map(\.name)),
         ("data.normalize", NormalizationKind.allCases.map(\.rawValue)),
         ("layer type", LayerSpec.allKinds.map(\.type)),
         ("model.quantize", ModelQuantization.allCases.map(\.rawValue)),
         ("activation", ActivationKind.allCases.map(\.rawValue)),
         ("init", Initializer.runFileForms),
         ("train.loss", LossKind.allCases.map(\.rawValue)),
         ("train.optimizer", OptimizerSpec.allKinds.map(\.name)),
         ("train.schedule", ScheduleSpec.allKinds.map(\.name)),
         ("prune.scope", PruningScope.allCases.map(\.rawValue)),
         ("lora.targets", LlamaProjection.allCases.map(\.rawValue))]
    }
}
