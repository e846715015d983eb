import LoupeCore

/// Which recurrence a ``Recurrent`` layer runs.
public enum RecurrentKind: String, Sendable {
    /// h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
    case rnn
    /// PyTorch's GRU: gates r, z, n.
    case gru
    /// PyTorch's LSTM: gates i, f, g, o.
    case lstm

    var gates: Int { self == .lstm ? 4 : (self == .gru ? 3 : 1) }
}

/// The weights of one recurrent layer, in PyTorch's layout (gates stacked along the first axis).
public final class RecurrentCell: Module {
    /// [gates·H, in]
    public let weightIH: Parameter
    /// [gates·H, H]
    public let weightHH: Parameter
    public let biasIH: Parameter, biasHH: Parameter

    init(kind: RecurrentKind, input: Int, hidden: Int, using rng: inout RandomGenerator) throws {
        // PyTorch initialises every weight and bias U(±1/√H).
        let u = Initializer.uniform(limit: 1 / Double(hidden).squareRoot())
        let rows = kind.gates * hidden
        weightIH = Parameter(try u.make([rows, input], using: &rng))
        weightHH = Parameter(try u.make([rows, hidden], using: &rng))
        biasIH = Parameter(try u.make([rows], using: &rng))
        biasHH = Parameter(try u.make([rows], using: &rng))
    }
}

/// A multi-layer, batch-first RNN, GRU or LSTM: [B, T, in] → [B, T, H] (`returnSequences`) or
/// the last layer's final hidden state [B, H].
public final class Recurrent: Module {
    public let kind: RecurrentKind
    public let hiddenSize: Int
    public let returnSequences: Bool
    public let layers: [RecurrentCell]

    public init(_ kind: RecurrentKind, inputSize: Int, hiddenSize: Int, layers: Int = 1,
                returnSequences: Bool = true, using rng: inout RandomGenerator) throws {
        guard layers >= 1, hiddenSize >= 1, inputSize >= 1 else {
            throw TensorError.invalidArgument(op: "\(kind)", reason: "sizes and layer count must be ≥ 1")
        }
        self.kind = kind
        self.hiddenSize = hiddenSize
        self.returnSequences = returnSequences
        var cells: [RecurrentCell] = []
        for l in 0..<layers {
            cells.append(try RecurrentCell(kind: kind, input: l == 0 ? inputSize : hiddenSize, hidden: hiddenSize, using: &rng))
        }
        self.layers = cells
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        let (outputs, finalHidden) = try run(x)
        return returnSequences ? outputs : finalHidden
    }

    /// The full result: the last layer's outputs [B, T, H] and its final hidden state [B, H].
    public func run(_ x: Tensor) throws -> (outputs: Tensor, finalHidden: Tensor) {
        guard x.rank == 3, x.shape[2] == layers[0].weightIH.shape[1] else {
            throw TensorError.invalidShape(op: "\(kind) '\(name)'", shape: x.shape,
                                           reason: "expected [batch, time, \(layers[0].weightIH.shape[1])]")
        }
        return try Self.recur(kind, x, hiddenSize: hiddenSize, layers: layers.count) { l in
            let cell = layers[l]
            // One transposed view for all steps: its gradient then arrives as T deferred products
            // that backward sums in a single GEMM (see DeferredProduct).
            let recurrentWeight = try cell.weightHH.value.transposed()
            guard kind != .gru else {
                return (input: { try $0.matmul(cell.weightIH.value.transposed()) + cell.biasIH.value },
                        recurrent: { try $0.matmul(recurrentWeight) + cell.biasHH.value })
            }
            // Packed once for the T products with the hidden state (PackedMatrix); its gradient
            // still arrives as T deferred products summed in one GEMM.
            let packedWeight = try PackedMatrix(recurrentWeight)
            // The RNN and LSTM only ever add the two biases: fold b_hh into the one projection of
            // all time steps instead of adding it (and summing its gradient) at every step. The
            // GRU cannot: its b_hn is multiplied by the reset gate.
            return (input: { try $0.matmul(cell.weightIH.value.transposed()) + (cell.biasIH.value + cell.biasHH.value) },
                    recurrent: { try $0.matmul(packedWeight) })
        }
    }

    /// One LSTM step composed of element-wise ops: the reference the fused `lstm_cell` op
    /// (``Tensor/lstmCell(inputGates:recurrentGates:memory:)``) is tested against.
    static func composedLSTMCell(inputGates: Tensor, recurrentGates: Tensor, memory: Tensor) throws -> (hidden: Tensor, memory: Tensor) {
        let h = memory.shape[1]
        let g = try (inputGates + recurrentGates).split([h, h, h, h], axis: 1)
        let i = try g[0].sigmoid(), f = try g[1].sigmoid(), c = try g[2].tanh(), o = try g[3].sigmoid()
        let next = try f * memory + i * c
        return (try o * next.tanh(), next)
    }

    /// The recurrence itself, shared by ``Recurrent`` and ``QuantizedRecurrent``: per layer,
    /// `projections(l)` gives the input projection (all time steps at once, [B, T, in] →
    /// [B, T, gates·H], bias included) and the recurrent one ([B, H] → [B, gates·H]); the gates
    /// are PyTorch's.
    static func recur(_ kind: RecurrentKind, _ x: Tensor, hiddenSize h: Int, layers: Int,
                      projections: (Int) throws -> (input: (Tensor) throws -> Tensor, recurrent: (Tensor) throws -> Tensor))
        throws -> (outputs: Tensor, finalHidden: Tensor) {
        let batch = x.shape[0], steps = x.shape[1]
        var sequence = x
        var last = Tensor.zeros([batch, h], dtype: x.dtype)
        for l in 0..<layers {
            let stepOutputs: [Tensor] = try ModuleScope.with("layers.\(l)") {
                let project = try projections(l)
                // All time steps' input projections in one GEMM: [B, T, in] → [B, T, gates·H].
                let projected = try project.input(sequence)
                var hidden = Tensor.zeros([batch, h], dtype: x.dtype)
                var memory = Tensor.zeros([batch, h], dtype: x.dtype)
                var outs: [Tensor] = []
                for t in 0..<steps {
                    // [B, 1, gates·H]: a view of step t, which the LSTM cell reads in place.
                    let step = try projected.slice(axis: 1, t, t + 1)
                    let ht = try project.recurrent(hidden)
                    switch kind {
                    case .rnn:
                        hidden = try (step.reshaped([batch, h]) + ht).tanh()
                    case .lstm:
                        (hidden, memory) = try Tensor.lstmCell(inputGates: step, recurrentGates: ht, memory: memory)
                    case .gru:
                        let xt = try step.reshaped([batch, kind.gates * h])
                        let gx = try xt.split([h, h, h], axis: 1), gh = try ht.split([h, h, h], axis: 1)
                        let r = try (gx[0] + gh[0]).sigmoid(), z = try (gx[1] + gh[1]).sigmoid()
                        let n = try (gx[2] + r * gh[2]).tanh()
                        hidden = try (1 - z) * n + z * hidden
                    }
                    outs.append(hidden)
                }
                return outs
            }
            last = stepOutputs.last ?? last
            sequence = try Tensor.stack(stepOutputs, axis: 1)
        }
        return (sequence, last)
    }
}
