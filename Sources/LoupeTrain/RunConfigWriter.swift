import Foundation

extension RunConfig {
    /// The run file for this configuration: every setting written out, so that reading it back
    /// gives an equal `RunConfig` (the debugger writes repaired run files with it).
    public var tomlText: String {
        var out = "[run]\nname = \(quoted(run.name))\nseed = \(run.seed)\n\n[data]\n"
        out += "dataset = \(quoted(data.dataset))\n"
        out += "split = [\(data.split.map(number).joined(separator: ", "))]\n"
        out += "normalize = \(quoted(data.normalize))\n"
        if data.labelNoise != 0 { out += "label_noise = \(number(data.labelNoise))\n" }
        if data.trainLimit != 0 { out += "train_limit = \(data.trainLimit)\n" }
        if data.inputScale != 1 { out += "input_scale = \(number(data.inputScale))\n" }
        out += "block_size = \(data.blockSize)\nshuffle = \(data.shuffle)\n"
        if let exclude = data.exclude { out += "exclude = \(quoted(exclude))\n" }
        out += "\n[model]\n"
        if !model.input.isEmpty { out += "input = [\(model.input.map(String.init).joined(separator: ", "))]\n" }
        out += "layers = [\n"
        for l in model.layers { out += "  \(layerText(l)),\n" }
        out += "]\n\n[train]\n"
        let t = train
        out += "loss = \(quoted(t.loss))\noptimizer = \(quoted(t.optimizer))\nlr = \(number(t.lr))\n"
        if t.momentum != 0 { out += "momentum = \(number(t.momentum))\n" }
        if t.weightDecay != 0 { out += "weight_decay = \(number(t.weightDecay))\n" }
        out += "batch_size = \(t.batchSize)\n"
        if let steps = t.steps { out += "steps = \(steps)\n" }
        if let epochs = t.epochs { out += "epochs = \(epochs)\n" }
        if t.gradClip != 0 { out += "grad_clip = \(number(t.gradClip))\n" }
        out += "schedule = \(quoted(t.schedule))\n"
        if t.warmup != 0 { out += "warmup = \(t.warmup)\n" }
        if t.earlyStoppingPatience != 0 { out += "early_stopping_patience = \(t.earlyStoppingPatience)\n" }
        if t.evalEvery != 1 { out += "eval_every = \(t.evalEvery)\n" }
        if t.labelSmoothing != 0 { out += "label_smoothing = \(number(t.labelSmoothing))\n" }
        return out
    }

    private func layerText(_ l: Layer) -> String {
        var fields = ["type = \(quoted(l.type))"]
        func add(_ key: String, _ value: Int?) { if let value { fields.append("\(key) = \(value)") } }
        func add(_ key: String, _ value: Double?) { if let value { fields.append("\(key) = \(number(value))") } }
        add("units", l.units); add("filters", l.filters); add("kernel", l.kernel); add("stride", l.stride)
        add("padding", l.padding); add("size", l.size); add("vocab", l.vocab); add("dim", l.dim)
        add("layers", l.layers); add("heads", l.heads); add("block", l.block)
        if let r = l.returnSequences { fields.append("return_sequences = \(r)") }
        add("rate", l.rate)
        if let a = l.activation { fields.append("activation = \(quoted(a))") }
        if let i = l.initializer {
            let parts = i.split(separator: ":")
            fields.append(parts.count == 2 ? "init = { \(parts[0]) = \(parts[1]) }" : "init = \(quoted(i))")
        }
        add("bias_init", l.biasInit)
        return "{ " + fields.joined(separator: ", ") + " }"
    }

    private func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Shortest text that reads back as the same Double, always with a decimal point or exponent
    /// (TOML would read `1` as an integer, which the parser accepts for numbers anyway).
    private func number(_ x: Double) -> String {
        let text = "\(x)"
        return text.contains(".") || text.contains("e") || text.contains("inf") || text.contains("nan") ? text : text + ".0"
    }
}
