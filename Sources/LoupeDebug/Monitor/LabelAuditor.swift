import Foundation
import LoupeCore
import LoupeData
import LoupeTrain

/// Confident learning in its simplest form: the trained model's view of the training labels.
/// A model that generalizes yet disagrees, with high confidence, with many training labels has
/// been taught wrong labels.
enum LabelAuditor {
    /// - Parameter limit: at most this many training examples are audited (evenly spaced).
    static func audit(trainer: Trainer, data: TensorDataset, limit: Int, validationAccuracy: Double) throws -> LabelAudit? {
        guard data.count > 0, data.targets.dtype == .int64, data.targets.rank == 1 else { return nil }
        let step = max(1, (data.count + limit - 1) / limit)
        let indices = Array(stride(from: 0, to: data.count, by: step))
        let sample = step == 1 ? data : try data.subset(indices)
        let probabilities = try Hooks.withForwardHooksPaused {
            try GradMode.withoutGrad { try trainer.predict(sample.inputs).softmax(axis: -1) }
        }
        guard probabilities.rank == 2 else { return nil }
        let classes = probabilities.shape[1]
        let p = probabilities.floats(), labels = sample.targets.ints()
        // Confident learning (Northcutt et al.): class j's threshold is the model's mean
        // probability of j over the examples labelled j; an example is suspect when some other
        // class clears its own threshold and is the likeliest of those that do.
        var thresholds = [Float](repeating: 0, count: classes), counts = [Float](repeating: 0, count: classes)
        for (row, label) in labels.enumerated() where label >= 0 && label < classes {
            thresholds[label] += p[row * classes + label]
            counts[label] += 1
        }
        for j in 0..<classes { thresholds[j] = counts[j] > 0 ? thresholds[j] / counts[j] : 1 }
        var correct = 0, confident = 0
        var suspects: [(index: Int, pLabel: Float)] = []
        for (row, label) in labels.enumerated() {
            let probs = p[(row * classes)..<((row + 1) * classes)]
            let predicted = probs.indices.max { probs[$0] < probs[$1] }! - row * classes
            if predicted == label { correct += 1 }
            if predicted != label && probs[row * classes + predicted] >= 0.9 { confident += 1 }
            let candidates = (0..<classes).filter { probs[row * classes + $0] >= thresholds[$0] }
            guard let likeliest = candidates.max(by: { probs[row * classes + $0] < probs[row * classes + $1] }), likeliest != label else { continue }
            let pLabel = label >= 0 && label < classes ? probs[row * classes + label] : 0
            suspects.append((indices[row], pLabel))
        }
        suspects.sort { $0.pLabel < $1.pLabel }
        return LabelAudit(examples: labels.count, trainAccuracy: Double(correct) / Double(labels.count),
                          validationAccuracy: validationAccuracy,
                          confidentDisagreement: Double(confident) / Double(labels.count),
                          suspectIndices: suspects.map(\.index))
    }
}
