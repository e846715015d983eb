import Foundation
import LoupeNN

/// One step of a compression: what is done to a model.
public enum CompressionStep: Equatable, Sendable, CustomStringConvertible {
    /// Post-training int8 quantization of the linear and convolution layers.
    case int8(Int8Activations)
    /// Magnitude pruning to `sparsity` (the share of weights zeroed) over a short fine-tune.
    case prune(sparsity: Double)
    /// Structured pruning: removes `fraction` of each hidden layer's units or channels (those of
    /// smallest weight norm), then fine-tunes the smaller model.
    case pruneChannels(fraction: Double)
    /// Trains the student run file against the model as teacher.
    case distill(studentFile: String)

    public var description: String {
        switch self {
        case .int8(.dynamic): "int8"
        case .int8(.static): "int8-static"
        case let .prune(s): "prune:\(Self.number(s))"
        case let .pruneChannels(f): "prune-channels:\(Self.number(f))"
        case let .distill(file): "distill:\(URL(fileURLWithPath: file).lastPathComponent)"
        }
    }

    /// A name fit for a run: `int8`, `prune50`, `channels30`, `distill-student`.
    var slug: String {
        switch self {
        case .int8(.dynamic): "int8"
        case .int8(.static): "int8s"
        case let .prune(s): "prune\(Int((s * 100).rounded()))"
        case let .pruneChannels(f): "channels\(Int((f * 100).rounded()))"
        case let .distill(file): "distill-" + URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        }
    }

    /// Whether the step ends in float weights that a later step can take on (int8 cannot).
    var keepsFloatWeights: Bool { if case .int8 = self { false } else { true } }

    static func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }
}

/// What `loupe compress --plan` asks for: variants separated by commas, each one step or several
/// joined by `+` and applied in order (`prune:0.5+int8` prunes, fine-tunes, then quantizes).
///
/// ```swift
/// let plan = try CompressionPlan("int8,prune:0.5,prune-channels:0.3+int8,distill:student.toml")
/// let count = plan.variants.count   // 4
/// ```
public struct CompressionPlan: Equatable, Sendable {
    public struct Variant: Equatable, Sendable, CustomStringConvertible {
        public let steps: [CompressionStep]
        public var description: String { steps.map(\.description).joined(separator: "+") }
        /// The variant's name in run names: `prune50-int8`.
        public var slug: String { steps.map(\.slug).joined(separator: "-") }
    }

    public let variants: [Variant]

    /// The methods, as `--help` and errors list them.
    public static let methods = "int8, int8-static, prune:SPARSITY, prune-channels:FRACTION, distill:STUDENT.toml"

    /// - Throws: ``CompressionError/invalidPlan(_:reason:)`` naming the step: an unknown method,
    ///   a sparsity or fraction outside [0, 1), an int8 step before another step, a repeated variant.
    public init(_ text: String) throws {
        var variants: [Variant] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let variantText = part.trimmingCharacters(in: .whitespaces)
            guard !variantText.isEmpty else { throw CompressionError.invalidPlan(text, reason: "an empty variant (two commas, or one at an end)") }
            let steps = try variantText.split(separator: "+", omittingEmptySubsequences: false).map { try Self.step(String($0).trimmingCharacters(in: .whitespaces)) }
            if let i = steps.dropLast().firstIndex(where: { !$0.keepsFloatWeights }) {
                throw CompressionError.invalidPlan(variantText, reason: "\(steps[i]) must come last: the steps after it need float weights")
            }
            let variant = Variant(steps: steps)
            guard !variants.contains(variant) else { throw CompressionError.invalidPlan(variantText, reason: "appears twice") }
            variants.append(variant)
        }
        self.variants = variants
    }

    static func step(_ text: String) throws -> CompressionStep {
        let (method, argument) = text.firstIndex(of: ":").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) } ?? (text, nil)
        func fraction(_ what: String) throws -> Double {
            guard let argument, let v = Double(argument), v.isFinite else {
                throw CompressionError.invalidPlan(text, reason: "\(method) needs a \(what), e.g. \(method):0.5")
            }
            guard v >= 0 && v < 1 else { throw CompressionError.invalidPlan(text, reason: "the \(what) must be in [0, 1), got \(argument)") }
            return v
        }
        switch method {
        case "int8", "int8-static":
            guard argument == nil else { throw CompressionError.invalidPlan(text, reason: "\(method) takes no value") }
            return .int8(method == "int8" ? .dynamic : .static)
        case "prune": return .prune(sparsity: try fraction("sparsity"))
        case "prune-channels": return .pruneChannels(fraction: try fraction("fraction of channels"))
        case "distill":
            guard let argument, !argument.isEmpty else { throw CompressionError.invalidPlan(text, reason: "distill needs a student run file, e.g. distill:student.toml") }
            return .distill(studentFile: argument)
        default:
            throw CompressionError.invalidPlan(text, reason: "unknown method '\(method)'; the methods are \(methods)")
        }
    }
}

/// What went wrong in `loupe compress`, naming the plan step, run or file.
public enum CompressionError: Error, CustomStringConvertible, Equatable {
    case invalidPlan(String, reason: String)
    case unsupported(step: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidPlan(step, reason): "--plan \(step): \(reason)"
        case let .unsupported(step, reason): "\(step): \(reason)"
        }
    }
}
