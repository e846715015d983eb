import Foundation
import LoupeCore
import TOMLKit

extension RunConfig {
    /// Reads and validates a run file.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw RunConfigError.unreadable(file: url.path, reason: error.localizedDescription)
        }
        try self.init(toml: text, file: url.path)
    }

    /// Parses and validates TOML text: unknown keys, wrong types and out-of-range values are
    /// errors naming the key, the value and what is allowed.
    public init(toml text: String, file: String = "<run file>") throws {
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw RunConfigError.syntax(file: file, line: e.source.begin.line, column: e.source.begin.column, message: e.description)
        }
        self.init()
        let r = TableReader(root, path: "")
        try r.allow(["run", "data", "model", "train"])
        if let t = try r.table("run") {
            try t.allow(["name", "seed"])
            run.name = try t.string("name") ?? run.name
            guard !run.name.isEmpty, run.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw RunConfigError.invalidValue(key: "run.name", value: "\"\(run.name)\"", allowed: "letters, digits, '-', '_' or '.' (it names runs/<name>/)")
            }
            if let seed = try t.int("seed", min: 0) { run.seed = UInt64(seed) }
        }
        if let t = try r.table("data") {
            try t.allow(["dataset", "split", "normalize", "label_noise", "train_limit", "input_scale", "block_size", "shuffle", "exclude"])
            data.dataset = try t.string("dataset") ?? data.dataset
            let known = ["digits", "text", "synthetic-classification", "synthetic-regression"]
            guard known.contains(data.dataset) || ["csv:", "mnist:", "cifar10:"].contains(where: data.dataset.hasPrefix) else {
                throw RunConfigError.invalidValue(key: "data.dataset", value: "\"\(data.dataset)\"",
                                                  allowed: (known + ["csv:PATH", "mnist:DIR", "cifar10:DIR"]).joined(separator: " | "))
            }
            if let split = try t.doubles("split") {
                guard split.count == 3, split.allSatisfy({ $0 >= 0 }), abs(split.reduce(0, +) - 1) < 1e-6, split[0] > 0 else {
                    throw RunConfigError.invalidValue(key: "data.split", value: "\(split)", allowed: "three fractions ≥ 0 (train > 0) adding up to 1")
                }
                data.split = split
            }
            data.normalize = try t.choice("normalize", ["none", "standard", "minmax"]) ?? data.normalize
            data.labelNoise = try t.double("label_noise", min: 0, max: 1) ?? data.labelNoise
            data.trainLimit = try t.int("train_limit", min: 0) ?? data.trainLimit
            data.inputScale = try t.double("input_scale", min: -1e30, max: 1e30) ?? data.inputScale
            data.blockSize = try t.int("block_size", min: 1) ?? data.blockSize
            data.shuffle = try t.bool("shuffle") ?? data.shuffle
            data.exclude = try t.string("exclude")
        }
        if let t = try r.table("model") {
            try t.allow(["input", "layers"])
            model.input = try t.ints("input") ?? []
            model.layers = try t.tables("layers").enumerated().map { try Self.layer($0.element, index: $0.offset) }
        }
        guard !model.layers.isEmpty else { throw RunConfigError.missingKey(key: "model.layers") }
        if let t = try r.table("train") {
            try t.allow(["loss", "optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs", "steps", "grad_clip",
                         "schedule", "warmup", "early_stopping_patience", "eval_every", "label_smoothing"])
            train.loss = try t.choice("loss", ["cross_entropy", "mse", "bce", "l1", "huber"]) ?? train.loss
            train.optimizer = try t.choice("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"]) ?? train.optimizer
            train.lr = try t.double("lr", min: 0, max: 100) ?? train.lr
            train.momentum = try t.double("momentum", min: 0, max: 1) ?? train.momentum
            train.weightDecay = try t.double("weight_decay", min: 0, max: 10) ?? train.weightDecay
            train.batchSize = try t.int("batch_size", min: 1) ?? train.batchSize
            if let steps = try t.int("steps", min: 1) {
                train.steps = steps
                train.epochs = try t.int("epochs", min: 1)
            } else {
                train.epochs = try t.int("epochs", min: 1) ?? train.epochs
            }
            train.gradClip = try t.double("grad_clip", min: 0, max: 1e9) ?? train.gradClip
            train.schedule = try t.choice("schedule", ["constant", "step", "exponential", "cosine", "plateau"]) ?? train.schedule
            train.warmup = try t.int("warmup", min: 0) ?? train.warmup
            train.earlyStoppingPatience = try t.int("early_stopping_patience", min: 0) ?? train.earlyStoppingPatience
            train.evalEvery = try t.int("eval_every", min: 1) ?? train.evalEvery
            train.labelSmoothing = try t.double("label_smoothing", min: 0, max: 0.999) ?? train.labelSmoothing
        }
    }

    static let layerTypes = ["linear", "dropout", "conv2d", "maxpool2d", "avgpool2d", "flatten", "batchnorm", "layernorm",
                             "embedding", "lstm", "gru", "rnn", "gpt", "activation"]

    private static func layer(_ t: TableReader, index: Int) throws -> Layer {
        guard let type = try t.string("type") else { throw RunConfigError.missingKey(key: "\(t.path).type") }
        guard layerTypes.contains(type) else {
            throw RunConfigError.invalidValue(key: "\(t.path).type", value: "\"\(type)\"", allowed: layerTypes.joined(separator: " | "))
        }
        let keys: [String: [String]] = [
            "linear": ["units", "activation", "init", "bias_init"], "dropout": ["rate"],
            "conv2d": ["filters", "kernel", "stride", "padding", "activation", "init", "bias_init"],
            "maxpool2d": ["size"], "avgpool2d": ["size"], "flatten": [], "batchnorm": [], "layernorm": [],
            "embedding": ["vocab", "dim"], "lstm": ["units", "layers", "return_sequences"],
            "gru": ["units", "layers", "return_sequences"], "rnn": ["units", "layers", "return_sequences"],
            "gpt": ["layers", "heads", "dim", "block", "vocab", "rate"], "activation": ["activation"],
        ]
        try t.allow(["type"] + keys[type]!)
        var l = Layer(type: type)
        l.units = try t.int("units", min: 1)
        l.activation = try t.choice("activation", ["relu", "leaky_relu", "gelu", "silu", "sigmoid", "tanh", "softmax", "linear"])
        l.initializer = try t.initializer("init")
        l.biasInit = try t.double("bias_init", min: -1e9, max: 1e9)
        l.rate = try t.double("rate", min: 0, max: 0.999)
        l.filters = try t.int("filters", min: 1)
        l.kernel = try t.int("kernel", min: 1)
        l.stride = try t.int("stride", min: 1)
        l.padding = try t.int("padding", min: 0)
        l.size = try t.int("size", min: 1)
        l.vocab = try t.int("vocab", min: 1)
        l.dim = try t.int("dim", min: 1)
        l.layers = try t.int("layers", min: 1)
        l.heads = try t.int("heads", min: 1)
        l.block = try t.int("block", min: 1)
        l.returnSequences = try t.bool("return_sequences")
        let required: [String: [String]] = ["linear": ["units"], "dropout": ["rate"], "conv2d": ["filters", "kernel"],
                                            "maxpool2d": ["size"], "avgpool2d": ["size"], "embedding": ["vocab", "dim"],
                                            "lstm": ["units"], "gru": ["units"], "rnn": ["units"],
                                            "gpt": ["layers", "heads", "dim", "block"], "activation": ["activation"]]
        for key in required[type] ?? [] where !t.has(key) {
            throw RunConfigError.missingKey(key: "\(t.path).\(key)")
        }
        return l
    }
}

/// Typed, path-aware access to a TOML table for validation messages like `train.lr`.
struct TableReader {
    let table: TOMLTable
    let path: String

    init(_ table: TOMLTable, path: String) { (self.table, self.path) = (table, path) }

    private func key(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }
    func has(_ k: String) -> Bool { table[k] != nil }

    func allow(_ keys: [String]) throws {
        for k in table.keys.sorted() where !keys.contains(k) {
            throw RunConfigError.unknownKey(key: key(k), allowed: keys)
        }
    }

    private func shown(_ v: TOMLValueConvertible) -> String { v.string.map { "\"\($0)\"" } ?? "\(v)" }

    func table(_ k: String) throws -> TableReader? {
        guard let v = table[k] else { return nil }
        guard let t = v.table else { throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: "a table") }
        return TableReader(t, path: key(k))
    }

    func tables(_ k: String) throws -> [TableReader] {
        guard let v = table[k] else { return [] }
        guard let a = v.array else { throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: "an array of tables") }
        return try a.enumerated().map { i, e in
            guard let t = e.table else {
                throw RunConfigError.invalidValue(key: "\(key(k))[\(i)]", value: shown(e), allowed: "an inline table { type = ..., ... }")
            }
            return TableReader(t, path: "\(key(k))[\(i)]")
        }
    }

    func string(_ k: String) throws -> String? {
        guard let v = table[k] else { return nil }
        guard let s = v.string else { throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: "a string") }
        return s
    }

    func choice(_ k: String, _ allowed: [String]) throws -> String? {
        guard let s = try string(k) else { return nil }
        guard allowed.contains(s) else {
            throw RunConfigError.invalidValue(key: key(k), value: "\"\(s)\"", allowed: allowed.joined(separator: " | "))
        }
        return s
    }

    func bool(_ k: String) throws -> Bool? {
        guard let v = table[k] else { return nil }
        guard let b = v.bool else { throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: "true or false") }
        return b
    }

    func int(_ k: String, min: Int) throws -> Int? {
        guard let v = table[k] else { return nil }
        guard let i = v.int, i >= min else {
            throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: "an integer ≥ \(min)")
        }
        return i
    }

    func double(_ k: String, min: Double, max: Double) throws -> Double? {
        guard let v = table[k] else { return nil }
        guard let d = v.double ?? v.int.map(Double.init), d >= min, d <= max, d.isFinite else {
            throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: "a number in [\(min), \(max)]")
        }
        return d
    }

    func doubles(_ k: String) throws -> [Double]? {
        guard let v = table[k] else { return nil }
        guard let a = v.array else { throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: "an array of numbers") }
        return try a.map { e in
            guard let d = e.double ?? e.int.map(Double.init) else {
                throw RunConfigError.invalidValue(key: key(k), value: shown(e), allowed: "numbers")
            }
            return d
        }
    }

    func ints(_ k: String) throws -> [Int]? {
        guard let v = table[k] else { return nil }
        guard let a = v.array, let ints = Optional(a.compactMap(\.int)), ints.count == a.count, ints.allSatisfy({ $0 > 0 }) else {
            throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: "an array of positive integers, e.g. [64] or [1, 8, 8]")
        }
        return ints
    }

    /// "he" | "xavier" | "zeros" | { normal = std } | { uniform = limit } | { constant = value }, kept as text.
    func initializer(_ k: String) throws -> String? {
        guard let v = table[k] else { return nil }
        let allowed = "\"he\" | \"xavier\" | \"zeros\" | { normal = STD } | { uniform = LIMIT } | { constant = VALUE }"
        if let s = v.string {
            guard ["he", "xavier", "zeros"].contains(s) else { throw RunConfigError.invalidValue(key: key(k), value: "\"\(s)\"", allowed: allowed) }
            return s
        }
        guard let t = v.table, t.keys.count == 1, let name = t.keys.first, ["normal", "uniform", "constant"].contains(name),
              let x = t[name]?.double ?? t[name]?.int.map(Double.init) else {
            throw RunConfigError.invalidValue(key: key(k), value: shown(v), allowed: allowed)
        }
        return "\(name):\(x)"
    }
}
