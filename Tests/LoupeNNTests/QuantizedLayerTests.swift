import CLoupeKernels
import Foundation
import LoupeCore
@testable import LoupeNN
import LoupeTestSupport
import Testing

/// The int8 path: the kernels' integer sums exact on every instruction set, the layers equal to a
/// float computation on the same rounded values, and close to the float layers they replace.
struct QuantizedLayerTests {
    /// Σ_k (xq − 128)·w in Int, the definition the kernels must meet exactly.
    static func reference(_ xq: [UInt8], _ w: [Int8], m: Int, n: Int, k: Int, stride: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0
                for t in 0..<k { s += (Int(xq[i * stride + t]) - 128) * Int(w[j * k + t]) }
                out[i * n + j] = Int32(s)
            }
        }
        return out
    }

    @Test(arguments: [0, 1, 2])
    func integerSumsAreExactOnEveryInstructionSet(isa: Int32) throws {
        let used = loupe_i8_force_isa(isa)
        defer { loupe_i8_force_isa(-1) }
        #expect(used <= isa)
        var rng = SystemRandomNumberGenerator()
        for (m, n, k) in [(1, 1, 1), (7, 33, 13), (64, 10, 64), (65, 130, 300), (3, 17, 1031)] {
            let stride = Int(loupe_i8_min_ldx(Int32(k)))
            let xq = (0..<(m * stride)).map { _ in UInt8.random(in: 1...255, using: &rng) }
            let w = (0..<(n * k)).map { _ in Int8.random(in: -127...127, using: &rng) }
            var packed = [Int8](repeating: 0, count: loupe_i8_packed_bytes(Int32(n), Int32(k)))
            var sums = [Int32](repeating: 0, count: n)
            #expect(loupe_i8_pack(w, Int32(n), Int32(k), &packed, &sums) == 0)
            var got = [Int32](repeating: 0, count: m * n)
            loupe_i8_gemm_s32(xq, Int32(m), Int32(k), stride, packed, sums, Int32(n), &got, n)
            #expect(got == Self.reference(xq, w, m: m, n: n, k: k, stride: stride), "isa \(used) m \(m) n \(n) k \(k)")
        }
    }

    @Test func linearEqualsTheFloatComputationOnItsRoundedValues() throws {
        var rng = RandomGenerator(seed: 3)
        let linear = try Linear(100, 37, using: &rng)
        let q = try QuantizedLinear(linear, activations: .dynamic)
        let x = try Tensor.normal([9, 100], using: &rng)
        let y = try q(x).floats()
        // The same computation in Double on the dequantized weights and activations.
        let codes = q.weight.value.ints(), ws = q.weightScale.value.floats(), b = linear.bias!.value.floats()
        let xs = x.floats()
        let stride = 100 + 0   // 100 is a multiple of 4
        var xq = [UInt8](repeating: 0, count: 9 * stride), scales = [Float](repeating: 0, count: 9)
        xs.withUnsafeBufferPointer { Int8Activation.quantize($0.baseAddress!, m: 9, k: 100, into: &xq, stride: stride, scales: &scales, fixedScale: nil) }
        let float = try linear(x).floats()
        let yMax = float.map(abs).max()!
        for i in 0..<9 {
            for j in 0..<37 {
                var s = 0.0
                for t in 0..<100 { s += Double(Int(xq[i * stride + t]) - 128) * Double(codes[j * 100 + t]) }
                let want = s * Double(scales[i]) * Double(ws[j]) + Double(b[j])
                #expect(abs(Double(y[i * 37 + j]) - want) <= 1e-5 * max(1, abs(want)), "[\(i), \(j)]")
                // And within 2% of the float layer's range of the float layer itself.
                #expect(abs(y[i * 37 + j] - float[i * 37 + j]) <= 0.02 * yMax, "[\(i), \(j)] vs float")
            }
        }
    }

    /// 3 input channels (27 inputs per output: the weights-first product) and 8 (72: patches first).
    @Test(arguments: [(1, 0, 3), (1, 1, 3), (2, 1, 3), (2, 0, 3), (1, 1, 8), (2, 0, 8)])
    func convolutionEqualsTheFloatConvolutionOfItsRoundedValues(stride: Int, padding: Int, channels: Int) throws {
        var rng = RandomGenerator(seed: 5)
        let conv = try Conv2d(channels, 8, kernel: 3, stride: stride, padding: padding, using: &rng)
        let q = try QuantizedConv2d(conv, activations: .dynamic)
        let x = try Tensor.normal([2, channels, 9, 7], using: &rng)
        let y = try q(x)
        // Dequantized weights and per-image dequantized inputs through the float convolution.
        let ws = q.weightScale.value.floats()
        let k = channels * 9, size = channels * 63
        let w = Tensor(q.weight.value.ints().enumerated().map { Float($0.element) * ws[$0.offset / k] }, shape: [8, channels, 3, 3])
        var images: [Float] = []
        for i in 0..<2 {
            let image = Array(x.floats()[(i * size)..<((i + 1) * size)])
            var bytes = [UInt8](repeating: 0, count: size), scale: Float = 0
            image.withUnsafeBufferPointer { Int8Activation.quantize($0.baseAddress!, m: 1, k: size, into: &bytes, stride: size, scales: &scale, fixedScale: nil) }
            images += bytes.map { Float(Int($0) - 128) * scale }
        }
        let want = try Tensor(images, shape: [2, channels, 9, 7]).conv2d(weight: w, bias: conv.bias!.value, stride: stride, padding: padding)
        #expect(y.shape == want.shape)
        let float = try conv(x).floats(), range = float.map(abs).max()!
        for (i, (a, b)) in zip(y.floats(), want.floats()).enumerated() {
            #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "element \(i)")
            #expect(abs(a - float[i]) <= 0.03 * range, "element \(i) vs float")
        }
    }

    @Test func checkpointStoresCodesAsBytesAndLoadsBack() throws {
        var rng = RandomGenerator(seed: 7)
        let model = Sequential([try Linear(64, 32, using: &rng), Activation(.relu), try Linear(32, 10, using: &rng)])
        let quantized = try Int8Conversion.quantize(model, activations: .dynamic)
        #expect(quantized.namedBuffers().filter(\.buffer.isInt8).map(\.name) == ["layers.0.weight", "layers.2.weight"])
        let rebuilt = try Int8Conversion.placeholder(Sequential([try Linear(64, 32, using: &rng), Activation(.relu), try Linear(32, 10, using: &rng)]),
                                                     activations: .dynamic)
        try rebuilt.load(stateDict: quantized.stateDict())
        let x = try Tensor.normal([5, 64], using: &rng)
        #expect(try rebuilt(x).floats() == quantized(x).floats())
    }

    @Test func staticScalesComeFromTheCalibrationSample() throws {
        var rng = RandomGenerator(seed: 9)
        let model = Sequential([try Linear(16, 8, using: &rng), Activation(.relu), try Linear(8, 4, using: &rng)])
        #expect(throws: TensorError.self) { try Int8Conversion.quantize(model, activations: .static) }
        let sample = try Tensor.normal([32, 16], using: &rng)
        let q = try Int8Conversion.quantize(model, activations: .static, calibration: sample)
        let first = try #require(q.layers[0] as? QuantizedLinear)
        #expect(first.inputScale!.value.floats()[0] == sample.floats().map(abs).max()! / 127)
        let float = try model(sample).floats(), got = try q(sample).floats()
        let range = float.map(abs).max()!
        for (a, b) in zip(got, float) { #expect(abs(a - b) <= 0.03 * range) }
    }

    @Test func nonFiniteInputsGiveNaNRowsNotQuietNumbers() throws {
        var rng = RandomGenerator(seed: 11)
        let q = try QuantizedLinear(try Linear(8, 3, using: &rng), activations: .dynamic)
        var values = [Float](repeating: 0.5, count: 16)
        values[9] = .nan
        let y = try q(Tensor(values, shape: [2, 8])).floats()
        let (first, second) = (Array(y[0..<3]), Array(y[3..<6]))
        #expect(first.allSatisfy { $0.isFinite })
        #expect(second.allSatisfy { $0.isNaN })
        #expect(throws: TensorError.self) { try q(Tensor.zeros([2, 7])) }
        let calibrated = try Int8Conversion.quantize(Sequential([try Linear(8, 3, using: &rng)]), activations: .static,
                                                     calibration: Tensor([Float](repeating: 1, count: 8), shape: [1, 8]))
        let staticOut = try calibrated(Tensor(values, shape: [2, 8])).floats()
        #expect(Array(staticOut[0..<3]).allSatisfy { $0.isFinite } && Array(staticOut[3..<6]).allSatisfy { $0.isNaN })
        let bad = try Linear(4, 2, using: &rng)
        bad.weight.value = Tensor([1, 2, .infinity, 4, 5, 6, 7, 8], shape: [2, 4])
        #expect(throws: TensorError.self) { try QuantizedLinear(bad, activations: .dynamic) }
    }

    @Test(arguments: [RecurrentKind.lstm, .gru, .rnn])
    func recurrentLayersStayCloseToFloat(kind: RecurrentKind) throws {
        var rng = RandomGenerator(seed: 13)
        let float = try Recurrent(kind, inputSize: 6, hiddenSize: 16, layers: 2, returnSequences: true, using: &rng)
        let model = Sequential([float])
        let x = try Tensor.normal([4, 7, 6], using: &rng)
        let expected = try GradMode.withoutGrad { try model(x) }.floats()
        for activations in Int8Activations.allCases {
            let q = try Int8Conversion.quantize(model, activations: activations, calibration: x)
            #expect(q.layers[0] is QuantizedRecurrent)
            let got = try GradMode.withoutGrad { try q(x) }.floats()
            // Hidden states are in (−1, 1): within 0.05 of the float layer's after 7 steps and 2 layers.
            let worst = zip(got, expected).map { abs($0 - $1) }.max()!
            #expect(worst < 0.05, "\(kind) \(activations): \(worst)")
            // Rebuilt from its state, as a checkpoint loads it.
            let rebuilt = try Int8Conversion.placeholder(Sequential([try Recurrent(kind, inputSize: 6, hiddenSize: 16, layers: 2, returnSequences: true, using: &rng)]),
                                                         activations: activations)
            try rebuilt.load(stateDict: q.stateDict())
            #expect(try GradMode.withoutGrad { try rebuilt(x) }.floats() == got)
        }
    }
}
