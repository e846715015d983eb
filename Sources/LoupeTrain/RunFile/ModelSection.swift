import LoupeNN

/// `model.quantize`: the model's linear and convolution layers run in 8 bits (``Int8Conversion``).
/// `loupe compress` writes it into the runs it makes; their checkpoints hold the int8 codes.
public enum ModelQuantization: String, CaseIterable, Sendable, Codable {
    /// Activations scaled per row as they arrive.
    case int8 = "int8"
    /// Activations scaled by one factor per layer, from a calibration sample.
    case int8Static = "int8-static"

    public var activations: Int8Activations { self == .int8 ? .dynamic : .static }
}

extension ModelQuantization: RunFileValueConvertible {}

extension RunConfig {
    /// `[model]`: the layers, from input to output, that ``ModelBuilder`` builds.
    public struct ModelSection: Equatable, Sendable {
        /// One example's shape, reshaping the data's when the sizes agree (digits are [8, 8]; an MLP
        /// wants [64]); nil keeps the data's shape.
        public var input: [Int]?
        public var layers: [LayerSpec] = []
        /// Int8 layers in place of the float ones (runs made by `loupe compress`); nil: float32.
        public var quantize: ModelQuantization?
        /// A checkpoint (or safetensors file of the model's tensors) the model starts from
        /// instead of its initializers: fine-tuning a trained model.
        public var initFrom: String?

        func validate() throws {
            if let input {
                try Check.that(!input.isEmpty && input.allSatisfy { $0 >= 1 }, "model.input", input,
                               "an array of positive integers, e.g. [64] or [1, 8, 8]")
            }
            guard !layers.isEmpty else { throw RunConfigError.missingKey(key: "model.layers") }
            if let initFrom { try Check.path(initFrom, "model.init_from", shown: initFrom) }
            for (i, layer) in layers.enumerated() { try layer.validate(key: "model.layers[\(i)]") }
        }
    }
}

extension RunConfig.ModelSection: RunFileTable, Codable {
    init(reading t: TableReader) throws {
        self.init()
        input = try t.ints("input")
        layers = try t.tables("layers", LayerSpec.init(reading:)) ?? layers
        quantize = try t.choice("quantize")
        initFrom = try t.string("init_from")
    }

    var entries: [RunFileEntry] {
        [RunFileEntry("input", ifSet: input), RunFileEntry("layers", layers.map { RunFileValue.table($0.entries) }),
         RunFileEntry("quantize", ifSet: quantize), RunFileEntry("init_from", ifSet: initFrom)].compactMap { $0 }
    }
}
