import LoupeCore
import LoupeNN

/// Knowledge distillation's loss (Hinton et al., 2015), which ``Trainer`` uses when it has one:
///
///     loss = α · T² · KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α) · CE(s, labels)
///
/// with s the student's logits and t the teacher's on the same batch (the teacher in evaluation
/// mode, without gradients). T² keeps the soft term's gradients the size of the hard term's as
/// T changes.
public struct Distillation {
    public let teacher: Module
    public let temperature: Double
    public let alpha: Double

    public init(teacher: Module, temperature: Double, alpha: Double) {
        (self.teacher, self.temperature, self.alpha) = (teacher, temperature, alpha)
        teacher.eval()
    }

    /// The loss for a batch: `logits` the student's [N, K], `labels` [N].
    func loss(_ logits: Tensor, inputs: Tensor, labels: Tensor, labelSmoothing: Double) throws -> Tensor {
        let teacherLogits = try GradMode.withoutGrad { try Hooks.withForwardHooksPaused { try teacher(inputs) } }.detach()
        guard teacherLogits.shape == logits.shape else {
            throw TensorError.shapeMismatch(op: "distillation", lhs: logits.shape, rhs: teacherLogits.shape,
                                            expected: "the teacher's outputs the student's shape (the same classes)")
        }
        let t = temperature
        let target = try (teacherLogits * (1 / t)).softmax(axis: -1)
        let logTarget = try (teacherLogits * (1 / t)).logSoftmax(axis: -1)
        let logStudent = try (logits * (1 / t)).logSoftmax(axis: -1)
        // KL(p‖q) = Σ p (log p − log q), averaged over the batch.
        let kl = try (target * (logTarget - logStudent)).sum(axes: [-1]).mean()
        let hard = try LossKind.crossEntropy(logits, labels, labelSmoothing: labelSmoothing)
        return try kl * (alpha * t * t) + hard * (1 - alpha)
    }
}
