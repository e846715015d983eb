import LoupeCore

/// The element types of a safetensors file that Loupe reads, and how each becomes a ``Tensor``.
///
/// | stored | Loupe tensor | conversion |
/// |---|---|---|
/// | `F32`, `F64`, `I64` | float32, float64, int64 | none (the types Loupe writes) |
/// | `F16`, `BF16` | float32 | exact (every half and bfloat16 value is a float32 value) |
/// | `I32`, `I16`, `I8`, `U32`, `U16`, `U8` | int64 | exact |
/// | `BOOL` | float32 | 0 or 1, like Loupe's comparison masks (any non-zero byte reads as 1) |
///
/// Other dtypes of the format (`U64`, the `F8_*`, `F6_*`, `F4` and complex types) are rejected
/// with ``SafeTensorsError/unsupportedDType(source:tensor:dtype:)``.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"

    /// Dtypes the format defines that Loupe does not read, named in error messages.
    static let knownUnsupported: Set<String> = [
        "U64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64",
    ]

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8: 1
        case .i16, .u16, .f16, .bf16: 2
        case .i32, .u32, .f32: 4
        case .f64, .i64: 8
        }
    }

    /// The dtype of the tensor Loupe makes from it.
    public var loupeDType: DType {
        switch self {
        case .f32, .f16, .bf16, .bool: .float32
        case .f64: .float64
        case .i64, .i32, .i16, .i8, .u32, .u16, .u8: .int64
        }
    }

    /// The stored dtype Loupe writes for a tensor of `dtype`.
    init(writing dtype: DType) {
        switch dtype {
        case .float32: self = .f32
        case .float64: self = .f64
        case .int64: self = .i64
        }
    }

    /// Position in the reference implementation's `Dtype` enum (declared in increasing alignment:
    /// BOOL, …, F32, F64, I64, U64). Its writer lays tensors out in *decreasing* order of this
    /// rank, then by name, so that every tensor starts aligned; Loupe's writer does the same to
    /// produce identical bytes.
    var referenceOrder: Int {
        switch self {
        case .bool: 0
        case .u8: 1
        case .i8: 2
        case .i16: 3
        case .u16: 4
        case .f16: 5
        case .bf16: 6
        case .i32: 7
        case .u32: 8
        case .f32: 9
        case .f64: 10
        case .i64: 11
        }
    }

    /// A tensor of `shape` from `count × byteSize` little-endian bytes at `bytes` (any alignment).
    func makeTensor(_ bytes: UnsafeRawBufferPointer, shape: [Int]) -> Tensor {
        let n = bytes.count / byteSize
        switch self {
        case .f32:
            return Tensor(decode(bytes, n) { Float(bitPattern: UInt32(littleEndian: $0)) }, shape: shape)
        case .f64:
            return Tensor(float64: decode(bytes, n) { Double(bitPattern: UInt64(littleEndian: $0)) }, shape: shape)
        case .f16:
            return Tensor(decode(bytes, n) { SafeTensorsDType.float(half: UInt16(littleEndian: $0)) }, shape: shape)
        case .bf16:
            return Tensor(decode(bytes, n) { Float(bitPattern: UInt32(UInt16(littleEndian: $0 as UInt16)) << 16) }, shape: shape)
        case .bool:
            return Tensor(decode(bytes, n) { ($0 as UInt8) == 0 ? Float(0) : 1 }, shape: shape)
        case .i64:
            return Tensor(indices: decode(bytes, n) { Int(Int64(littleEndian: $0)) }, shape: shape)
        case .i32:
            return Tensor(indices: decode(bytes, n) { Int(Int32(littleEndian: $0)) }, shape: shape)
        case .i16:
            return Tensor(indices: decode(bytes, n) { Int(Int16(littleEndian: $0)) }, shape: shape)
        case .i8:
            return Tensor(indices: decode(bytes, n) { Int($0 as Int8) }, shape: shape)
        case .u32:
            return Tensor(indices: decode(bytes, n) { Int(UInt32(littleEndian: $0)) }, shape: shape)
        case .u16:
            return Tensor(indices: decode(bytes, n) { Int(UInt16(littleEndian: $0)) }, shape: shape)
        case .u8:
            return Tensor(indices: decode(bytes, n) { Int($0 as UInt8) }, shape: shape)
        }
    }

    /// `n` elements of raw type `R` read from `bytes` (unaligned loads) and converted by `convert`.
    private func decode<R: FixedWidthInteger, T>(_ bytes: UnsafeRawBufferPointer, _ n: Int,
                                                 _ convert: (R) -> T) -> [T] {
        [T](unsafeUninitializedCapacity: n) { out, initialized in
            for i in 0..<n {
                (out.baseAddress! + i).initialize(to: convert(bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<R>.size, as: R.self)))
            }
            initialized = n
        }
    }

    /// IEEE 754 half-precision bits to float32, exactly (subnormals, infinities and NaN payloads kept).
    static func float(half bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        case 0:
            // Zero or subnormal: mantissa × 2⁻²⁴, exact in float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        default:
            // Rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
