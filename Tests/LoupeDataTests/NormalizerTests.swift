import Foundation
import LoupeCore
import Testing
@testable import LoupeData

@Suite("Normalizer")
struct NormalizerTests {
    // Three samples of three features: feature 0 varies, feature 1 is always 0 (a blank border pixel),
    // feature 2 is always 5.
    let train = try! TensorDataset(inputs: Tensor([1, 0, 5, 2, 0, 5, 3, 0, 5], shape: [3, 3]), targets: Tensor(indices: [0, 1, 0]))

    @Test("standard: zero mean and unit variance per feature, fitted on the training split only")
    func standard() throws {
        let n = try Normalizer.fit(.standard, on: train)
        #expect(n.shift == [2, 0, 5])
        #expect(Swift.abs(n.scale[0] - Float((2.0 / 3).squareRoot())) < 1e-6)
        let out = try n.apply(train).inputs.floats()
        #expect(Swift.abs(out[0] + 1.2247449) < 1e-5 && out[3] == 0 && Swift.abs(out[6] - 1.2247449) < 1e-5)
        // Another split uses the training statistics, not its own.
        let other = try n.apply(Tensor([4, 0, 5], shape: [1, 3])).floats()
        #expect(Swift.abs(other[0] - 2 * 1.2247449) < 1e-5)
    }

    @Test("constant features get scale 1, so they become 0 rather than NaN or infinity")
    func constantFeatures() throws {
        for kind in [NormalizationKind.standard, .minmax] {
            let n = try Normalizer.fit(kind, on: train)
            #expect(n.scale[1] == 1 && n.scale[2] == 1, "\(kind)")
            let out = try n.apply(train).inputs.floats()
            #expect(out.allSatisfy { $0.isFinite }, "\(kind)")
            #expect([out[1], out[2], out[4], out[5], out[7], out[8]] == [0, 0, 0, 0, 0, 0], "\(kind)")
            // On unseen data the constant feature is shifted but not blown up.
            #expect(try n.apply(Tensor([1, 1, 5], shape: [1, 3])).floats()[1] == 1)
        }
    }

    @Test("a constant feature whose float variance is not exactly zero still gets scale 1")
    func constantWithRoundoff() throws {
        let x = Tensor(Array(repeating: Float(0.1), count: 7), shape: [7, 1])
        let n = try Normalizer.fit(.standard, inputs: x)
        #expect(n.scale == [1])
    }

    @Test("minmax maps the training range to [0, 1]")
    func minmax() throws {
        let n = try Normalizer.fit(.minmax, on: train)
        #expect(n.shift == [1, 0, 5] && n.scale == [2, 1, 1])
        #expect(try n.apply(train).inputs.floats().enumerated().filter { $0.offset % 3 == 0 }.map(\.element) == [0, 0.5, 1])
    }

    @Test("none returns the inputs as they are; it round-trips through JSON for checkpoints")
    func noneAndCodable() throws {
        let n = try Normalizer.fit(.none, on: train)
        #expect(try n.apply(train.inputs) === train.inputs)
        let fitted = try Normalizer.fit(.standard, on: train)
        let decoded = try JSONDecoder().decode(Normalizer.self, from: JSONEncoder().encode(fitted))
        #expect(decoded == fitted)
    }

    @Test("the feature count must match the fitted one, and int64 inputs are refused")
    func invalid() throws {
        let n = try Normalizer.fit(.standard, on: train)
        #expect(dataErrorMessage { _ = try n.apply(Tensor.zeros([2, 4])) }.contains("4 features"))
        #expect(throws: DataError.self) { _ = try Normalizer.fit(.minmax, inputs: Tensor(indices: [1, 2], shape: [2, 1])) }
    }
}
