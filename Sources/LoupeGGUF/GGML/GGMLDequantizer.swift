import Foundation

/// Turns GGML blocks into float32, with ggml's semantics (ggml-quants.c `dequantize_row_*`).
/// The LLM runtime keeps weights quantized and multiplies them directly; this is for everything
/// else: norms, embeddings looked up row by row, tests, and tools that want plain floats.
public enum GGMLDequantizer {
    /// Which types `dequantize` reads.
    public static let supported: Set<GGMLType> = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q4_K, .q6_K]

    /// Dequantizes `count` elements (a multiple of the type's block size) from `bytes`.
    public static func dequantize(_ bytes: UnsafeRawBufferPointer, type: GGMLType, count: Int,
                                  into out: UnsafeMutablePointer<Float>) throws {
        guard supported.contains(type) else {
            throw GGUFError.invalid(file: "", field: "tensor type", reason: "\(type.name) cannot be dequantized yet (supported: \(supported.map(\.name).sorted().joined(separator: ", ")))")
        }
        guard count % type.blockSize == 0, bytes.count >= count / type.blockSize * type.typeSize else {
            throw GGUFError.invalid(file: "", field: "\(type.name) data", reason: "\(bytes.count) bytes cannot hold \(count) elements")
        }
        let blocks = count / type.blockSize
        let p = bytes.baseAddress!
        func f16(_ offset: Int) -> Float { Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) }
        func u8(_ offset: Int) -> UInt8 { p.load(fromByteOffset: offset, as: UInt8.self) }
        switch type {
        case .f32:
            for i in 0..<count { out[i] = p.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .f16:
            for i in 0..<count { out[i] = f16(2 * i) }
        case .bf16:
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
        case .q8_0:
            typealias L = GGMLBlock.Q8_0
            for b in 0..<blocks {
                let base = b * L.bytes, d = f16(base + L.scale)
                for j in 0..<32 { out[b * 32 + j] = d * Float(Int8(bitPattern: u8(base + L.codes + j))) }
            }
        case .q4_0:
            typealias L = GGMLBlock.Q4_0
            for b in 0..<blocks {
                let base = b * L.bytes, d = f16(base + L.scale)
                for j in 0..<16 {
                    let q = u8(base + L.codes + j)
                    out[b * 32 + j] = Float(Int(q & 0x0F) - 8) * d
                    out[b * 32 + j + 16] = Float(Int(q >> 4) - 8) * d
                }
            }
        case .q4_1:
            typealias L = GGMLBlock.Q4_1
            for b in 0..<blocks {
                let base = b * L.bytes, d = f16(base + L.scale), m = f16(base + L.minimum)
                for j in 0..<16 {
                    let q = u8(base + L.codes + j)
                    out[b * 32 + j] = Float(q & 0x0F) * d + m
                    out[b * 32 + j + 16] = Float(q >> 4) * d + m
                }
            }
        case .q4_K:
            typealias L = GGMLBlock.Q4_K
            for b in 0..<blocks {
                let base = b * L.bytes, d = f16(base + L.scale), dmin = f16(base + L.minimumScale)
                let scales = base + L.scales, qs = base + L.codes
                // 6-bit scale and min of sub-block j, packed in 12 bytes (ggml's get_scale_min_k4).
                func scaleMin(_ j: Int) -> (Float, Float) {
                    if j < 4 { return (Float(u8(scales + j) & 63), Float(u8(scales + j + 4) & 63)) }
                    let sc = (u8(scales + j + 4) & 0x0F) | ((u8(scales + j - 4) >> 6) << 4)
                    let mn = (u8(scales + j + 4) >> 4) | ((u8(scales + j) >> 6) << 4)
                    return (Float(sc), Float(mn))
                }
                var y = b * 256
                for chunk in 0..<4 {
                    let (s1, m1) = scaleMin(2 * chunk), (s2, m2) = scaleMin(2 * chunk + 1)
                    let q = qs + 32 * chunk
                    for l in 0..<32 { out[y + l] = d * s1 * Float(u8(q + l) & 0x0F) - dmin * m1 }
                    for l in 0..<32 { out[y + 32 + l] = d * s2 * Float(u8(q + l) >> 4) - dmin * m2 }
                    y += 64
                }
            }
        case .q6_K:
            typealias L = GGMLBlock.Q6_K
            for b in 0..<blocks {
                let base = b * L.bytes, d = f16(base + L.scale)
                for half in 0..<2 {
                    let ql = base + L.low + 64 * half, qh = base + L.high + 32 * half, sc = base + L.scales + 8 * half
                    let y = b * 256 + 128 * half
                    for l in 0..<32 {
                        let s = l / 16
                        let h = u8(qh + l)
                        let q1 = Int((u8(ql + l) & 0x0F) | ((h & 3) << 4)) - 32
                        let q2 = Int((u8(ql + l + 32) & 0x0F) | (((h >> 2) & 3) << 4)) - 32
                        let q3 = Int((u8(ql + l) >> 4) | (((h >> 4) & 3) << 4)) - 32
                        let q4 = Int((u8(ql + l + 32) >> 4) | (((h >> 6) & 3) << 4)) - 32
                        func scale(_ i: Int) -> Float { d * Float(Int8(bitPattern: u8(sc + s + i))) }
                        out[y + l] = scale(0) * Float(q1)
                        out[y + l + 32] = scale(2) * Float(q2)
                        out[y + l + 64] = scale(4) * Float(q3)
                        out[y + l + 96] = scale(6) * Float(q4)
                    }
                }
            }
        default:
            break
        }
    }
}

extension GGUFFile {
    /// A tensor's values as float32, in row-major order of the reversed ggml shape (ggml's
    /// [ne0, ne1] is a matrix of ne1 rows of ne0).
    public func floats(_ tensor: GGUFTensorInfo) throws -> [Float] {
        var out = [Float](repeating: 0, count: tensor.elementCount)
        do {
            try bytes(of: tensor).withUnsafeBytes { raw in
                try out.withUnsafeMutableBufferPointer { try GGMLDequantizer.dequantize(raw, type: tensor.type, count: tensor.elementCount, into: $0.baseAddress!) }
            }
        } catch let GGUFError.invalid(_, field, reason) {
            throw GGUFError.invalid(file: name, field: "tensor \"\(tensor.name)\" (\(field))", reason: reason)
        }
        return out
    }
}
