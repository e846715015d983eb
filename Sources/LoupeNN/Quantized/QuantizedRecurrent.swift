import LoupeCore

/// ``Recurrent`` (RNN, GRU, LSTM) with its input and recurrent matrices in 8 bits, for inference.
/// The gates are computed as the float layer computes them (``Recurrent``'s own recurrence); only
/// the two projections per step go through the int8 kernels (``Int8Matrix``).
///
/// State per layer `l`: `layers.l.weightIH`/`weightHH` (codes, stored as I8) with their
/// `weightIHScale`/`weightHHScale`, and the float biases. With static activations the input has a
/// calibrated `inputScale`, and the hidden state the scale 1/127: |h| ≤ 1 always (tanh and sigmoid bound it).
public final class QuantizedRecurrent: Module {
    /// One layer's matrices in 8 bits.
    public final class Cell: Module {
        public let weightIH: Buffer, weightIHScale: Buffer, weightHH: Buffer, weightHHScale: Buffer
        public let biasIH: Buffer, biasHH: Buffer
        private var packed: (ih: Int8Matrix, hh: Int8Matrix, ids: [ObjectIdentifier])?

        init(_ cell: RecurrentCell) throws {
            func quantized(_ p: Parameter) throws -> (Buffer, Buffer) {
                let (rows, columns) = (p.shape[0], p.shape[1])
                let q = try Int8Matrix.quantize(try p.value.to(.float32).floats(), rows: rows, columns: columns, name: cell.name)
                return (Buffer(Tensor(indices: q.codes.map(Int.init), shape: [rows, columns]), int8: true), Buffer(Tensor(q.scales, shape: [rows])))
            }
            (weightIH, weightIHScale) = try quantized(cell.weightIH)
            (weightHH, weightHHScale) = try quantized(cell.weightHH)
            biasIH = Buffer(try cell.biasIH.value.to(.float32).detach())
            biasHH = Buffer(try cell.biasHH.value.to(.float32).detach())
            super.init()
        }

        /// Both matrices packed, rebuilt when a checkpoint replaced codes or scales.
        func matrices() throws -> (ih: Int8Matrix, hh: Int8Matrix) {
            let ids = [weightIH, weightIHScale, weightHH, weightHHScale].map { ObjectIdentifier($0.value) }
            if let packed, packed.ids == ids { return (packed.ih, packed.hh) }
            func matrix(_ codes: Buffer, _ scales: Buffer) throws -> Int8Matrix {
                try Int8Matrix(codes: codes.value.ints().map { Int8(clamping: $0) }, scales: scales.value.to(.float32).floats(),
                               rows: codes.value.shape[0], columns: codes.value.shape[1], name: name)
            }
            let pair = (try matrix(weightIH, weightIHScale), try matrix(weightHH, weightHHScale))
            packed = (pair.0, pair.1, ids)
            return pair
        }
    }

    public let kind: RecurrentKind
    public let hiddenSize: Int
    public let returnSequences: Bool
    public let layers: [Cell]
    public let activations: Int8Activations
    /// [1] with static activations: the first layer's input scale.
    public let inputScale: Buffer?

    public init(_ recurrent: Recurrent, activations: Int8Activations, inputScale: Float? = nil) throws {
        (kind, hiddenSize, returnSequences) = (recurrent.kind, recurrent.hiddenSize, recurrent.returnSequences)
        layers = try recurrent.layers.map(Cell.init)
        self.activations = activations
        self.inputScale = activations == .static ? Buffer(Tensor([inputScale ?? 0], shape: [1])) : nil
        super.init()
    }

    override public func forward(_ x: Tensor) throws -> Tensor {
        let inputs = layers[0].weightIH.value.shape[1]
        guard x.rank == 3, x.shape[2] == inputs, x.dtype == .float32 else {
            throw TensorError.invalidShape(op: "int8 \(kind) '\(name)'", shape: x.shape, reason: "expected float32 [batch, time, \(inputs)]")
        }
        let fixed = try inputScale.map { try $0.value.to(.float32).floats()[0] }
        let (outputs, final) = try Recurrent.recur(kind, x, hiddenSize: hiddenSize, layers: layers.count) { l in
            let cell = layers[l]
            let (ih, hh) = try cell.matrices()
            let (bIH, bHH) = (try cell.biasIH.value.to(.float32).floats(), try cell.biasHH.value.to(.float32).floats())
            // Static: the first layer's input by its calibrated scale, every hidden state (and a
            // deeper layer's input, a hidden state too) by 1/127.
            let inputScale = activations == .static ? (l == 0 ? fixed : 1 / 127) : nil
            let hiddenScale: Float? = activations == .static ? 1 / 127 : nil
            return (input: { try ih.apply($0, bias: bIH, fixedScale: inputScale) },
                    recurrent: { try hh.apply($0, bias: bHH, fixedScale: hiddenScale) })
        }
        let y = returnSequences ? outputs : final
        try Hooks.emitForward(op: "int8_recurrent", modulePath: ModuleScope.currentPath, inputs: [x], output: y)
        return y
    }
}
