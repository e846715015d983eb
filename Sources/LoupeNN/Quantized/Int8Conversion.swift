import LoupeCore

/// Post-training int8 quantization of a model: every ``Linear``, ``Conv2d`` and ``Recurrent`` in its
/// top-level sequence becomes a ``QuantizedLinear`` / ``QuantizedConv2d`` / ``QuantizedRecurrent``
/// (weights symmetric per output channel; activations dynamic per row, or static from a calibration
/// sample). Other layers (pooling, activations, norms, embeddings, GPT) stay float32.
///
/// ```swift
/// let quantized = try Int8Conversion.quantize(model, activations: .dynamic)
/// let logits = try quantized(batch)      // the int8 kernels, ~¼ of the weights' bytes
/// ```
public enum Int8Conversion {
    /// A copy of `model` with its linear and convolution layers in int8; `model` is unchanged
    /// (its other layers are shared, not copied).
    ///
    /// - Parameter calibration: inputs the static scales are measured on (each layer's input's
    ///   largest magnitude over the sample, / 127); required with `.static`, ignored otherwise.
    /// - Throws: `.static` without calibration; non-finite weights or calibration activations,
    ///   naming the layer.
    public static func quantize(_ model: Sequential, activations: Int8Activations, calibration: Tensor? = nil) throws -> Sequential {
        var ranges: [Int: Float] = [:]
        if activations == .static {
            guard let calibration else {
                throw TensorError.invalidArgument(op: "Int8Conversion", reason: "static activations need a calibration sample")
            }
            ranges = try inputRanges(model, calibration)
        }
        let quantized = try convert(model, activations: activations) { i in ranges[i].map { $0 / 127 } }
        quantized.train(model.isTraining)
        return quantized
    }

    /// The model's layers with the same structure, quantized or not, for a model built to load a
    /// quantized checkpoint into (the scales are placeholders until it is loaded).
    public static func placeholder(_ model: Sequential, activations: Int8Activations) throws -> Sequential {
        try convert(model, activations: activations) { _ in activations == .static ? 1 : nil }
    }

    private static func convert(_ model: Sequential, activations: Int8Activations, scale: (Int) -> Float?) throws -> Sequential {
        Sequential(try model.layers.enumerated().map { i, layer -> Module in
            if let linear = layer as? Linear { return try QuantizedLinear(linear, activations: activations, inputScale: scale(i)) }
            if let conv = layer as? Conv2d { return try QuantizedConv2d(conv, activations: activations, inputScale: scale(i)) }
            if let recurrent = layer as? Recurrent { return try QuantizedRecurrent(recurrent, activations: activations, inputScale: scale(i)) }
            return layer
        })
    }

    /// The largest input magnitude each linear or convolution layer (by index) sees on `sample`,
    /// run in evaluation mode.
    static func inputRanges(_ model: Sequential, _ sample: Tensor) throws -> [Int: Float] {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var ranges: [Int: Float] = [:]
        try GradMode.withoutGrad {
            var h = sample
            for (i, layer) in model.layers.enumerated() {
                if layer is Linear || layer is Conv2d || layer is Recurrent {
                    let values = try h.to(.float32).contiguous().floats()
                    if let bad = values.first(where: { !$0.isFinite }) {
                        throw TensorError.invalidArgument(op: "Int8Conversion", reason: "layer \(i)'s input holds \(bad) on the calibration sample")
                    }
                    ranges[i] = values.reduce(Float(0)) { max($0, abs($1)) }
                }
                h = try layer(h)
            }
        }
        return ranges
    }
}
