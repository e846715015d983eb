import Foundation
import LoupeCore
import LoupeGGUF
import LoupeLLM

/// A fine-tuned network written as a GGUF model of its own: the base file's metadata (tokenizer,
/// chat template, hyperparameters) and tensors, with every adapted projection replaced by its
/// merged weight W + (α/r)·B·A, so `loupe generate`, `trace`, `serve` and llama.cpp load it like
/// any model.
public enum MergedModel {
    /// The types a merged projection can be written in.
    public static let types: [GGMLType] = [.f32, .f16] + GGMLQuantizer.writable

    /// Writes `network` merged into a copy of `base` at `output` (atomically). Merged projections
    /// are stored as `type`, or each in its base tensor's type when nil (when Loupe can write that
    /// type, else F16); every other tensor is copied unchanged.
    /// - Returns: the names of the tensors that were merged.
    @discardableResult
    public static func write(_ network: LlamaNetwork, base: GGUFFile, to output: URL, type: GGMLType? = nil) throws -> [String] {
        if let type, !types.contains(type) {
            throw FineTuneError("cannot write merged weights as \(type.name); choose one of \(types.map(\.name).joined(separator: ", "))")
        }
        let merged = try network.mergedWeights()
        var adapted: Set<String> = []
        for (i, block) in network.blocks.enumerated() {
            for p in LlamaProjection.allCases where block.adapter(p) != nil { adapted.insert("blk.\(i).\(p.ggufName).weight") }
        }
        var tensors: [GGUFTensorData] = []
        for info in base.tensors {
            guard adapted.contains(info.name), let weight = merged[info.name] else {
                tensors.append(GGUFTensorData(name: info.name, shape: info.shape, type: info.type, bytes: base.bytes(of: info)))
                continue
            }
            let target = type ?? (types.contains(info.type) ? info.type : .f16)
            let values = try weight.to(.float32).floats()
            guard values.count == info.shape.reduce(1, *) else {
                throw FineTuneError("\(base.name): tensor \(info.name) has \(info.shape.reduce(1, *)) elements but the merged weight \(values.count); the network was not built from this model")
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw FineTuneError("merged \(info.name): element \(bad) is \(values[bad]); the adapter has diverged, so there is nothing sound to write")
            }
            tensors.append(GGUFTensorData(name: info.name, shape: info.shape, type: target, bytes: try encode(values, rowLength: info.shape[0], as: target, name: info.name)))
        }
        guard adapted.isSubset(of: Set(base.tensors.map(\.name))) else {
            throw FineTuneError("\(base.name) lacks tensors \(adapted.subtracting(base.tensors.map(\.name)).sorted().prefix(3).joined(separator: ", ")) that the adapters modify")
        }
        var metadata = base.metadata
        if let i = metadata.firstIndex(where: { $0.key == "general.file_type" }) { metadata.remove(at: i) }   // now mixed
        try GGUFWriter(metadata: metadata, tensors: tensors, emptyArrayElementTypes: base.emptyArrayElementTypes, name: output.path).write(to: output)
        return adapted.sorted()
    }

    static func encode(_ values: [Float], rowLength: Int, as type: GGMLType, name: String) throws -> Data {
        switch type {
        case .f32:
            return values.withUnsafeBufferPointer { Data(buffer: $0) }
        case .f16:
            let halves = values.map { Float16($0) }
            if let bad = halves.firstIndex(where: { !$0.isFinite }) {
                throw FineTuneError("merged \(name): element \(bad) (\(values[bad])) does not fit in f16; write F32")
            }
            return halves.withUnsafeBufferPointer { Data(buffer: $0) }
        default:
            guard rowLength % type.blockSize == 0 else {
                throw FineTuneError("merged \(name): rows of \(rowLength) values are not whole \(type.name) blocks of \(type.blockSize); write F16 or F32")
            }
            return Data(GGMLQuantizer.quantize(values, as: type))
        }
    }
}
