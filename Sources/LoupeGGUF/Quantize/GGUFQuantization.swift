import Foundation

/// Quantizes a GGUF model's weight matrices to one GGML type (`loupe quantize`), as
/// `llama-quantize` does: every 2-D `*.weight` tensor becomes `type`, the rest (norms, biases)
/// is copied; metadata is carried over with `general.file_type` and
/// `general.quantization_version` set; tensor order and alignment are kept.
///
/// A tensor already of the target type is copied, not requantized (requantizing a block with
/// its own type can only lose); one whose rows are not a multiple of 32 keeps its type. With
/// ``keep``, the output projection or the token embeddings keep the source's precision, as
/// `llama-quantize --leave-output-tensor` does (a model with tied embeddings has no
/// `output.weight`: its `token_embd.weight` is the output projection).
///
/// ```swift
/// let job = try GGUFQuantization(type: .q8_0, keep: [.output])
/// let result = try job.run(input: source, output: target)   // source: an F16 model, say
/// let bitsPerWeight = result.bitsPerWeight
/// ```
public struct GGUFQuantization: Sendable {
    /// Tensors kept at the source's precision.
    public enum Keep: String, CaseIterable, Sendable {
        /// `output.weight`, or `token_embd.weight` when the output projection is tied to it.
        case output
        /// `token_embd.weight`.
        case embeddings
    }

    /// What happens to one tensor.
    public struct TensorPlan: Equatable, Sendable {
        public enum Action: Equatable, Sendable {
            case quantize
            /// Copied unchanged, and why.
            case copy(String)
        }
        public let name: String
        /// ggml order.
        public let shape: [Int]
        public let source: GGMLType
        public let target: GGMLType
        public let action: Action
        public var elements: Int { shape.reduce(1, *) }
        public var sourceBytes: Int { shape.dropFirst().reduce(shape[0] / source.blockSize * source.typeSize, *) }
        public var targetBytes: Int { shape.dropFirst().reduce(shape[0] / target.blockSize * target.typeSize, *) }
    }

    /// What a run wrote.
    public struct Result: Sendable {
        public let tensors: [TensorPlan]
        public let inputBytes: Int
        public let outputBytes: Int
        /// Every tensor's elements.
        public let elements: Int
        /// 8 × tensor bytes / elements, over every tensor (norms and kept tensors included).
        public let bitsPerWeight: Double
        public var quantized: Int { tensors.filter { $0.action == .quantize }.count }
    }

    public let type: GGMLType
    public let keep: Set<Keep>

    /// - Throws: ``GGUFError/invalid(file:field:reason:)`` for a type Loupe cannot write.
    public init(type: GGMLType, keep: Set<Keep> = []) throws {
        guard GGMLQuantizer.writable.contains(type) else {
            throw GGUFError.invalid(file: "", field: "--type", reason: "Loupe cannot write \(type.name); it writes \(GGMLQuantizer.writable.map { $0.name.lowercased() }.joined(separator: ", "))")
        }
        (self.type, self.keep) = (type, keep)
    }

    /// llama.cpp's `general.file_type` (`LLAMA_FTYPE_MOSTLY_*`) of a model mostly of `type`.
    public static func fileType(_ type: GGMLType) -> UInt32? {
        switch type {
        case .f32: 0
        case .f16: 1
        case .q4_0: 2
        case .q4_1: 3
        case .q8_0: 7
        default: nil
        }
    }

    /// What each tensor of `file` would become.
    public func plan(_ file: GGUFFile) -> [TensorPlan] {
        let tiedOutput = file.tensor("output.weight") == nil
        return file.tensors.map { t in
            func copy(_ why: String) -> TensorPlan { TensorPlan(name: t.name, shape: t.shape, source: t.type, target: t.type, action: .copy(why)) }
            guard t.name.hasSuffix(".weight"), t.shape.count >= 2 else { return copy("not a weight matrix") }
            if keep.contains(.output), t.name == "output.weight" || (tiedOutput && t.name == "token_embd.weight") {
                return copy("kept (--keep output)")
            }
            if keep.contains(.embeddings), t.name == "token_embd.weight" { return copy("kept (--keep embeddings)") }
            guard t.type != type else { return copy("already \(type.name)") }
            guard t.shape[0] % type.blockSize == 0 else { return copy("rows of \(t.shape[0]) are not a multiple of \(type.blockSize)") }
            return TensorPlan(name: t.name, shape: t.shape, source: t.type, target: type, action: .quantize)
        }
    }

    /// Reads `input`, quantizes it and writes `output` atomically; `input` is only read.
    ///
    /// - Parameter progress: hears (tensors done, tensors).
    /// - Throws: ``GGUFError`` naming the file and tensor: `output` is `input`, a tensor Loupe
    ///   cannot read, a non-finite value, values too large for the type's f16 scales.
    public func run(input: URL, output: URL, progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        try Self.checkDistinct(input: input, output: output)
        let file = try GGUFFile(contentsOf: input)
        let plans = plan(file)
        var tensors: [GGUFTensorData] = []
        for (i, (info, p)) in zip(file.tensors, plans).enumerated() {
            progress(i, plans.count)
            let bytes: Data
            switch p.action {
            case .copy: bytes = Data(file.bytes(of: info))
            case .quantize: bytes = try quantize(file, info)
            }
            tensors.append(GGUFTensorData(name: info.name, shape: info.shape, type: p.target, bytes: bytes))
        }
        progress(plans.count, plans.count)
        var metadata = file.metadata
        func set(_ key: String, _ value: GGUFValue) {
            if let i = metadata.firstIndex(where: { $0.key == key }) { metadata[i].value = value } else { metadata.append((key, value)) }
        }
        if let fileType = Self.fileType(type) { set("general.file_type", .uint32(fileType)) }
        set("general.quantization_version", .uint32(2))
        let writer = GGUFWriter(metadata: metadata, tensors: tensors, emptyArrayElementTypes: file.emptyArrayElementTypes, name: output.path)
        try writer.write(to: output)
        let outputBytes = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
        let elements = plans.map(\.elements).reduce(0, +)
        let tensorBytes = tensors.map(\.bytes.count).reduce(0, +)
        return Result(tensors: plans, inputBytes: file.data.count, outputBytes: outputBytes, elements: elements,
                      bitsPerWeight: elements > 0 ? 8 * Double(tensorBytes) / Double(elements) : 0)
    }

    private func quantize(_ file: GGUFFile, _ info: GGUFTensorInfo) throws -> Data {
        let values = try file.floats(info)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw GGUFError.invalid(file: file.name, field: "tensor \"\(info.name)\"",
                                    reason: "element \(bad) is \(values[bad]); a model with non-finite weights cannot be quantized")
        }
        let bytes = GGMLQuantizer.quantize(values, as: type)
        // The block scales (and Q4_1's minimums) are f16: beyond ±65504 they would become infinite.
        let halves = type == .q4_1 ? [GGMLBlock.Q4_1.scale, GGMLBlock.Q4_1.minimum] : [0]
        for b in 0..<(bytes.count / type.typeSize) {
            for h in halves {
                let bits = UInt16(bytes[b * type.typeSize + h]) | UInt16(bytes[b * type.typeSize + h + 1]) << 8
                guard Float16(bitPattern: bits).isFinite else {
                    throw GGUFError.invalid(file: file.name, field: "tensor \"\(info.name)\"",
                                            reason: "block \(b) holds values too large for \(type.name)'s f16 scales (beyond ±65504); keep this tensor (--keep) or rescale the model")
                }
            }
        }
        return Data(bytes)
    }

    /// Refuses an output that is the input (the same path, or another name for the same file).
    static func checkDistinct(input: URL, output: URL) throws {
        let a = input.standardizedFileURL.resolvingSymlinksInPath().path, b = output.standardizedFileURL.resolvingSymlinksInPath().path
        var si = stat(), so = stat()
        let sameFile = stat(input.path, &si) == 0 && stat(output.path, &so) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino
        guard a != b, !sameFile else {
            throw GGUFError.invalid(file: output.path, field: "output path",
                                    reason: "is the input model; write the quantized model to another file (the input is never modified)")
        }
    }
}
