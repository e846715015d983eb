import LoupeCore
import Testing
@testable import LoupeData

@Suite("TensorDataset")
struct TensorDatasetTests {
    @Test("batch gathers rows of inputs and labels in the order asked, repeats allowed")
    func batch() throws {
        let data = try rowDataset(labels: [7, 8, 9])
        let (x, y) = try data.batch([2, 0, 2])
        #expect(x.shape == [3, 2])
        #expect(x.floats() == [2, 20, 0, 0, 2, 20])
        #expect(y.dtype == .int64)
        #expect(y.ints() == [9, 7, 9])
        #expect(data.count == 3 && data.sampleShape == [2] && data.classCount == 10)
    }

    @Test("int64 inputs and [N, k] targets keep their trailing shape")
    func int64Rows() throws {
        let data = try TensorDataset(inputs: Tensor(indices: Array(0..<6), shape: [3, 2]),
                                     targets: Tensor([0.5, 1.5, 2.5], shape: [3, 1]))
        let sub = try data.subset([1])
        #expect(sub.inputs.shape == [1, 2] && sub.inputs.ints() == [2, 3])
        #expect(sub.targets.shape == [1, 1] && sub.targets.floats() == [1.5])
        #expect(!data.hasClassLabels && data.classCount == nil)
    }

    @Test("mismatched sample counts and out-of-range indices are errors that say so")
    func validation() throws {
        let message = dataErrorMessage {
            _ = try TensorDataset(inputs: Tensor.zeros([3, 2]), targets: Tensor(indices: [0, 1]))
        }
        #expect(message.contains("3 samples") && message.contains("targets have 2"))
        let data = try rowDataset(labels: [0, 1])
        #expect(dataErrorMessage { _ = try data.batch([0, 2]) }.contains("index 2 is out of range 0..<2"))
        #expect(throws: DataError.self) { _ = try data.batch([-1]) }
        #expect(throws: DataError.self) { _ = try TensorDataset(inputs: Tensor.zeros([2, 2], dtype: .float64), targets: Tensor(indices: [0, 1])) }
    }
}
