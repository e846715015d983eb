/// The tensor element types a GGUF file can name (ggml's `ggml_type`), with the block layout that
/// sizes them: `blockSize` elements are stored in `typeSize` bytes.
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, bf16 = 30

    /// Elements per block (1 for plain types, 32 for the simple quants, 256 for k-quants).
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16, .i8, .i16, .i32, .i64, .f64: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: 256
        }
    }

    /// Bytes per block (ggml's `type_size`).
    public var typeSize: Int {
        switch self {
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8: 1
        case .i64, .f64: 8
        case .q4_0: GGMLBlock.Q4_0.bytes
        case .q4_1: GGMLBlock.Q4_1.bytes
        case .q5_0: 22
        case .q5_1: 24
        case .q8_0: GGMLBlock.Q8_0.bytes
        case .q8_1: 36
        case .q2_K: 84
        case .q3_K: 110
        case .q4_K: GGMLBlock.Q4_K.bytes
        case .q5_K: 176
        case .q6_K: GGMLBlock.Q6_K.bytes
        case .q8_K: 292
        }
    }

    public var name: String { String(describing: self).uppercased() }
}

/// The byte layout of each block type Loupe reads value by value (ggml-common.h's `block_q4_0`,
/// `block_q4_1`, `block_q8_0`, `block_q4_K`, `block_q6_K`): offsets from the block's start. The
/// type table above, ``GGMLDequantizer`` and the dot-product kernels all read them from here.
/// Scales (`d`, `m`, `dmin`) are IEEE f16.
public enum GGMLBlock {
    /// 32 values: w = d·(q − 8), q 4-bit; code byte j holds value j (low nibble) and j + 16 (high).
    public enum Q4_0 {
        public static let bytes = 18, scale = 0, codes = 2
    }

    /// 32 values: w = d·q + m, q 4-bit, nibbles as in Q4_0.
    public enum Q4_1 {
        public static let bytes = 20, scale = 0, minimum = 2, codes = 4
    }

    /// 32 values: w = d·q, q a signed byte.
    public enum Q8_0 {
        public static let bytes = 34, scale = 0, codes = 2
    }

    /// 256 values in 8 sub-blocks of 32: w = d·sc_j·q − dmin·m_j, the 6-bit sc_j and m_j packed in
    /// 12 bytes at `scales`, 4-bit q at `codes` (each 32 bytes hold two sub-blocks: low, high nibbles).
    public enum Q4_K {
        public static let bytes = 144, scale = 0, minimumScale = 2, scales = 4, codes = 16
    }

    /// 256 values in 16 sub-blocks of 16: w = d·sc_j·(q − 32), q 6-bit from 4 low bits at `low` and
    /// 2 high bits at `high`, sc_j a signed byte at `scales`.
    public enum Q6_K {
        public static let bytes = 210, low = 0, high = 128, scales = 192, scale = 208
    }
}
