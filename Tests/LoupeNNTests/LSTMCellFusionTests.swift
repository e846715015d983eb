import Foundation
import LoupeCore
@testable import LoupeNN
import LoupeTestSupport
import Testing

/// The fused `lstm_cell` op against the composed reference it replaced: values and every gradient.
struct LSTMCellFusionTests {
    /// Widths with only the vector path (32), only the tail (5) and both (37).
    @Test(arguments: [5, 32, 37])
    func fusedEqualsComposed(hidden: Int) throws {
        var rng = RandomGenerator(seed: 31)
        let batch = 3, steps = 4
        // Input gates as the recurrence passes them: one time step of a [B, T, 4H] projection.
        let projection = try Tensor.normal([batch, steps, 4 * hidden], std: 2, using: &rng).floats()
        let recurrent = try Tensor.normal([batch, 4 * hidden], std: 2, using: &rng).floats()
        let memory = try Tensor.normal([batch, hidden], using: &rng).floats()
        func run(_ cell: (Tensor, Tensor, Tensor) throws -> (hidden: Tensor, memory: Tensor)) throws -> [String: [Float]] {
            let p = Tensor(projection, shape: [batch, steps, 4 * hidden], requiresGrad: true)
            let r = Tensor(recurrent, shape: [batch, 4 * hidden], requiresGrad: true)
            let c = Tensor(memory, shape: [batch, hidden], requiresGrad: true)
            let step = try p.slice(axis: 1, 2, 3)
            let (h1, c1) = try cell(step, r, c)
            let wh = Tensor((0..<h1.count).map { Float(sin(Double($0))) }, shape: h1.shape)
            let wc = Tensor((0..<c1.count).map { Float(cos(Double($0))) }, shape: c1.shape)
            try ((h1 * wh).sum() + (c1 * wc).sum()).backward()
            return ["h": h1.floats(), "c": c1.floats(), "dprojection": p.grad!.floats(), "drecurrent": r.grad!.floats(), "dmemory": c.grad!.floats()]
        }
        let fused = try run { try Tensor.lstmCell(inputGates: $0.reshaped([batch, 4 * hidden]), recurrentGates: $1, memory: $2) }
        let strided = try run { try Tensor.lstmCell(inputGates: $0, recurrentGates: $1, memory: $2) }
        let composed = try run { try Recurrent.composedLSTMCell(inputGates: $0.reshaped([batch, 4 * hidden]), recurrentGates: $1, memory: $2) }
        for name in composed.keys.sorted() {
            for (form, result) in [("contiguous", fused), ("strided view", strided)] {
                let worst = zip(result[name]!, composed[name]!).map { abs($0 - $1) / max(1, abs($1)) }.max()!
                #expect(worst < 1e-5, "\(name), \(form), hidden \(hidden): \(worst)")
            }
        }
    }

    /// Only the cell's state should reach backward: a loss on h' alone gives c' a zero gradient.
    @Test func aLossOnTheHiddenStateAlone() throws {
        var rng = RandomGenerator(seed: 32)
        let gates = try Tensor.normal([2, 64], using: &rng).floats(), memory = try Tensor.normal([2, 16], using: &rng).floats()
        func run(_ cell: (Tensor, Tensor, Tensor) throws -> (hidden: Tensor, memory: Tensor)) throws -> [Float] {
            let x = Tensor(gates, shape: [2, 64], requiresGrad: true), c = Tensor(memory, shape: [2, 16], requiresGrad: true)
            try cell(x, Tensor.zeros([2, 64]), c).hidden.sum().backward()
            return x.grad!.floats() + c.grad!.floats()
        }
        let fused = try run { try Tensor.lstmCell(inputGates: $0, recurrentGates: $1, memory: $2) }
        let composed = try run { try Recurrent.composedLSTMCell(inputGates: $0, recurrentGates: $1, memory: $2) }
        #expect(zip(fused, composed).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test(arguments: [3, 19])
    func fusedPassesGradcheck(hidden: Int) throws {
        var rng = RandomGenerator(seed: 33)
        let inputs = [try Tensor.normal([2, 4 * hidden], dtype: .float64, using: &rng), try Tensor.normal([2, 4 * hidden], dtype: .float64, using: &rng),
                      try Tensor.normal([2, hidden], dtype: .float64, using: &rng)]
        let result = try gradcheck({ xs in
            let (h, c) = try Tensor.lstmCell(inputGates: xs[0], recurrentGates: xs[1], memory: xs[2])
            return try Tensor.concat([h, c * 0.5], axis: 1)
        }, inputs: inputs)
        #expect(result.passed, "hidden \(hidden): \(result)")
    }

    @Test func badShapesAreErrors() throws {
        #expect(throws: TensorError.self) { try Tensor.lstmCell(inputGates: Tensor.zeros([2, 12]), recurrentGates: Tensor.zeros([2, 16]), memory: Tensor.zeros([2, 4])) }
        #expect(throws: TensorError.self) { try Tensor.lstmCell(inputGates: Tensor.zeros([2, 16]), recurrentGates: Tensor.zeros([2, 16]), memory: Tensor.zeros([8])) }
        #expect(throws: TensorError.self) { try Tensor.lstmCell(inputGates: Tensor.zeros([3, 16]), recurrentGates: Tensor.zeros([3, 16]), memory: Tensor.zeros([2, 4])) }
    }
}
