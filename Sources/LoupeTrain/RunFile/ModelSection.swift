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
        /// A pretrained LLM to fine-tune instead of `layers`: `"smollm2"` (the default model) or a
        /// GGUF file. Its weights stay frozen; `[lora]` says what is trained.
        public var base: String?
        /// A fine-tune of `base`: keep each block's input only and recompute the block in the
        /// backward pass (less memory, about a third more time per step).
        public var gradientCheckpointing = false

        /// The name that stands for the default model (`scripts/fetch-model.sh`).
        public static let defaultBase = "smollm2"

        func validate() throws {
            if gradientCheckpointing {
                try Check.that(base != nil, "model.gradient_checkpointing", true, "false without model.base (it is for fine-tuning an LLM)")
            }
            if let base {
                try Check.path(base, "model.base", shown: base)
                try Check.that(layers.isEmpty, "model.layers", "[\(layers.count) layers]",
                               "no layers beside model.base (the base model is the network; [lora] says what is trained)")
                try Check.that(input == nil && quantize == nil && initFrom == nil, "model.base", base,
                               "model.base alone in [model] (input, quantize and init_from are for models built from layers)")
                return
            }
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
        base = try t.string("base")
        gradientCheckpointing = try t.bool("gradient_checkpointing") ?? gradientCheckpointing
    }

    var entries: [RunFileEntry] {
        let layers: [RunFileEntry?] = base != nil && self.layers.isEmpty ? [] : [RunFileEntry("layers", self.layers.map { RunFileValue.table($0.entries) })]
        return ([RunFileEntry("input", ifSet: input)] + layers + [
         RunFileEntry("quantize", ifSet: quantize), RunFileEntry("init_from", ifSet: initFrom),
         RunFileEntry("base", ifSet: base), gradientCheckpointing ? RunFileEntry("gradient_checkpointing", true) : nil]).compactMap { $0 }
    }
}
